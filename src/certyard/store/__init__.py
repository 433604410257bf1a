"""The certificate store: purposes, identity certificates with their keys, trust stores,
CSRs, uploads. Other rooms import from here only."""

from __future__ import annotations

from certyard.store.entries import (
    ENTRY_TYPES,
    EntryView,
    Page,
    delete_entry,
    download_entry,
    entry_view,
    find_entries,
    show_entry,
)
from certyard.store.generate import (
    GeneratedResult,
    download_csr,
    fips_changed_at,
    fips_enabled,
    generate_csr,
    generate_self_signed,
    install_self_signed,
    resolve_node,
    set_fips_mode,
)
from certyard.store.keystore import open_private_key, release_keys, seal_private_key
from certyard.store.purposes import (
    DEFAULT_PURPOSES,
    PurposeSpec,
    check_key_choice,
    get_purpose,
    purpose_from_trust_store,
)
from certyard.store.service_purposes import add_purpose, list_purposes
from certyard.store.upload import (
    UploadResult,
    upload_identity_certificate,
    upload_trust_certificates,
)
from certyard.store.writes import put_entry

__all__ = [
    "DEFAULT_PURPOSES",
    "ENTRY_TYPES",
    "EntryView",
    "GeneratedResult",
    "Page",
    "PurposeSpec",
    "UploadResult",
    "add_purpose",
    "check_key_choice",
    "delete_entry",
    "download_csr",
    "download_entry",
    "entry_view",
    "find_entries",
    "fips_changed_at",
    "fips_enabled",
    "generate_csr",
    "generate_self_signed",
    "get_purpose",
    "install_self_signed",
    "list_purposes",
    "open_private_key",
    "purpose_from_trust_store",
    "put_entry",
    "release_keys",
    "resolve_node",
    "seal_private_key",
    "set_fips_mode",
    "show_entry",
    "upload_identity_certificate",
    "upload_trust_certificates",
]
