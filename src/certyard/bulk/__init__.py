"""Bulk certificate management over SFTP (seed 001 Table 5): settings, export of Tomcat,
TFTP or All certificates with a SHA-512 manifest, and import of another cluster's export
into chosen trust stores after a preview."""

from __future__ import annotations

from certyard.bulk.export import SCOPES, ExportResult, build_export, export_certificates
from certyard.bulk.importer import (
    ImportPreview,
    import_trust_certificates,
    list_exports,
    preview_import,
)
from certyard.bulk.settings import (
    SftpNotConfigured,
    SftpSettingsView,
    configure_sftp,
    show_sftp,
)
from certyard.bulk.sftp import SftpError, scan_host_key

__all__ = ["SCOPES", "ExportResult", "ImportPreview", "SftpError", "SftpNotConfigured",
           "SftpSettingsView",
           "build_export", "configure_sftp", "export_certificates", "import_trust_certificates",
           "list_exports", "preview_import", "scan_host_key", "show_sftp"]
