"""Remote audit logging: the audit trail forwarded to a remote syslog server (RFC 5424 over
UDP, TCP or TLS), the backlog resent after an outage, an alarm when TCP delivery fails.
Owns the ``syslog`` and ``syslog_delivery`` settings documents."""

from __future__ import annotations

from certyard.syslog.forward import (
    DeliveryResult,
    SyslogSettings,
    check_host,
    check_port,
    configure_syslog,
    deliver_backlog,
    format_rfc5424,
    load_syslog_settings,
    set_protocol,
    stored_protocol,
    syslog_status,
    use_tcp,
)

__all__ = ["DeliveryResult", "SyslogSettings", "check_host", "check_port", "configure_syslog",
           "deliver_backlog", "format_rfc5424", "load_syslog_settings", "set_protocol",
           "stored_protocol", "syslog_status", "use_tcp"]
