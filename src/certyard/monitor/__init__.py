"""Monitoring: expiry notices, revocation checks, e-mail delivery and metrics (alarms and
alert actions are the ``alarms`` room).

Public surface for other rooms and the delivery layers (API, web UI, CLI):

* settings — ``get_/update_monitor_settings``, ``get_/update_smtp_settings``,
  ``get_/update_revocation_settings``; ``send_test_mail``;
* work — ``scan_expiry``, ``run_revocation_checks``, ``deliver_outbox``;
* views — ``list_revocation_statuses``, ``revocation_status_of``, ``list_outbox``,
  ``render_metrics`` (Prometheus text, ``METRICS_CONTENT_TYPE``).

The monitor's background jobs are ``certyard.monitor.schedule.JOBS``. Importing this package
registers its revocation check with the store's upload hooks (certyard.store.upload_hooks).
"""

from __future__ import annotations

from certyard.monitor.certstate import RevocationState, revocation_states
from certyard.monitor.dashboard import Dashboard, dashboard_summary
from certyard.monitor.expiry import ScanReport, scan_expiry
from certyard.monitor.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from certyard.monitor.metrics import render_metrics
from certyard.monitor.notify import deliver_outbox, list_outbox, send_test_mail
from certyard.monitor.own_cert import (
    SERVED_PURPOSES,
    ServedCertificate,
    check_served_certificates,
    served_certificate_change,
    served_certificates,
    served_change_for_request,
)
from certyard.monitor.revocation import (
    CheckReport,
    list_revocation_statuses,
    revocation_status_of,
    run_revocation_checks,
)
from certyard.monitor.settings import (
    MonitorSettings,
    RevocationSettings,
    SmtpSettings,
    get_monitor_settings,
    get_revocation_settings,
    get_smtp_settings,
    settings_warnings,
    update_monitor_settings,
    update_revocation_settings,
    update_smtp_settings,
)
from certyard.monitor.upload_check import check_after_upload as _check_after_upload
from certyard.store.upload_hooks import on_upload as _on_upload

__all__ = [
    "METRICS_CONTENT_TYPE",
    "SERVED_PURPOSES",
    "CheckReport",
    "Dashboard",
    "MonitorSettings",
    "RevocationSettings",
    "RevocationState",
    "ScanReport",
    "ServedCertificate",
    "SmtpSettings",
    "check_served_certificates",
    "dashboard_summary",
    "deliver_outbox",
    "get_monitor_settings",
    "get_revocation_settings",
    "get_smtp_settings",
    "install_hooks",
    "list_outbox",
    "list_revocation_statuses",
    "render_metrics",
    "revocation_states",
    "revocation_status_of",
    "run_revocation_checks",
    "scan_expiry",
    "send_test_mail",
    "served_certificate_change",
    "served_certificates",
    "served_change_for_request",
    "settings_warnings",
    "update_monitor_settings",
    "update_revocation_settings",
    "update_smtp_settings",
]



def install_hooks() -> None:
    """The revocation check on every certificate upload (called by context.install_hooks)."""
    _on_upload(_check_after_upload)
