"""Remote audit logging (seed 002 chapter 7): every audit record also goes to a remote
syslog server as an RFC 5424 message, over UDP, TCP or TCP with TLS (RFC 5425 framing).

The local trail is the backlog. A cursor (``Setting("syslog_delivery")["last_sent_id"]``)
marks the last record delivered; a delivery run sends every later record in id order and
moves the cursor past each one that went out, so after an outage the server receives what
it missed, in order, and nothing is lost. A TCP failure raises TCPRemoteSyslogDeliveryFailed
at most once an hour.

Settings live in ``Setting("syslog")``, owned by this room (policy switches the protocol to
TCP through :func:`use_tcp` when Enhanced Security Mode is enabled): enabled, host, port,
protocol, tls, ca_file, hostname.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certyard.alarms import raise_alarm
from certyard.audit.trail import record_event
from certyard.db.documents import merge_document, read_document
from certyard.db.models import Setting
from certyard.db.models.audit import AuditEvent
from certyard.errors import InvalidInput

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["DeliveryResult", "SyslogSettings", "check_host", "check_port", "configure_syslog",
           "deliver_backlog", "format_rfc5424", "load_syslog_settings", "set_protocol",
           "stored_protocol", "syslog_status", "use_tcp"]

PROTOCOLS = ("udp", "tcp")
ALARM = "TCPRemoteSyslogDeliveryFailed"
ALARM_EVERY = dt.timedelta(hours=1)
FACILITY_AUDIT = 13  # RFC 5424 "log audit"
SD_ID = "certyard@32473"
_FQDN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
                   r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def check_host(host: str, field: str = "host") -> str:
    host = host.strip()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _FQDN.match(host):
        raise InvalidInput(f"{host!r} is neither an IP address nor a host name", field=field)
    return host.lower()


def check_port(port: int, field: str = "port") -> int:
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidInput(f"port must be between 1 and 65535, not {port!r}", field=field)
    return port


@dataclass(frozen=True, kw_only=True)
class SyslogSettings:
    enabled: bool = False
    host: str = ""
    port: int = 0  # 0: the protocol's default (514 UDP, 601 TCP, 6514 TLS)
    protocol: str = "udp"
    tls: bool = False
    ca_file: str = ""
    hostname: str = ""

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return 514 if self.protocol == "udp" else (6514 if self.tls else 601)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["effective_port"] = self.effective_port
        return d


def _setting(s: Session, name: str, *, lock: bool = False) -> dict[str, Any]:
    return read_document(s, name, lock=lock)


def _merge(s: Session, name: str, changes: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    return merge_document(s, name, changes, now=now)


def load_syslog_settings(s: Session) -> SyslogSettings:
    v = _setting(s, "syslog")
    proto = v.get("protocol") or "udp"  # Enhanced Security Mode stores "tcp" (use_tcp)
    return SyslogSettings(enabled=bool(v.get("enabled")), host=str(v.get("host") or ""),
                          port=int(v.get("port") or 0), protocol=str(proto),
                          tls=bool(v.get("tls")), ca_file=str(v.get("ca_file") or ""),
                          hostname=str(v.get("hostname") or ""))


def configure_syslog(ctx: AppContext, *, host: str | None = None, port: int | None = None,
                     protocol: str | None = None, tls: bool | None = None,
                     ca_file: str | None = None, enabled: bool | None = None,
                     hostname: str | None = None) -> SyslogSettings:
    """Change the given fields. Delivery starts with records written after it is first
    enabled (older history stays local)."""
    changes: dict[str, Any] = {}
    if host is not None:
        changes["host"] = check_host(host) if host else ""
    if port is not None:
        changes["port"] = check_port(port) if port else 0
    if protocol is not None:
        changes["protocol"] = _check_protocol(protocol)
    if tls is not None:
        changes["tls"] = bool(tls)
    if ca_file is not None:
        changes["ca_file"] = ca_file
    if hostname is not None:
        if hostname and (len(hostname) > 255 or not hostname.isascii()
                         or any(c.isspace() for c in hostname)):
            raise InvalidInput("hostname must be printable ASCII without spaces",
                               field="hostname")
        changes["hostname"] = hostname
    if enabled is not None:
        changes["enabled"] = bool(enabled)
    now = ctx.clock.now()
    with ctx.transaction() as s:
        merged = {**_setting(s, "syslog", lock=True), **changes}
        if merged.get("enabled") and not merged.get("host"):
            raise InvalidInput("set the syslog server (--host) before enabling remote "
                               "audit logging", field="host")
        if merged.get("tls") and (merged.get("protocol") or "") == "udp":
            raise InvalidInput("TLS needs the TCP protocol", field="tls")
        _merge(s, "syslog", changes, now)
        state = _setting(s, "syslog_delivery", lock=True)
        if changes.get("enabled") and "last_sent_id" not in state:
            last = s.scalar(select(func.max(AuditEvent.id))) or 0
            _merge(s, "syslog_delivery", {"last_sent_id": last}, now)
        record_event(s, ctx, action="syslog.configure", target="syslog", details=changes)
        return load_syslog_settings(s)


def _check_protocol(protocol: str) -> str:
    p = protocol.strip().lower()
    if p not in PROTOCOLS:
        raise InvalidInput(f"protocol must be tcp or udp, not {protocol!r}", field="protocol")
    return p


def set_protocol(ctx: AppContext, protocol: str) -> SyslogSettings:
    """``certyard syslog set-protocol tcp|udp`` (seed: utils remotesyslog set protocol)."""
    p = _check_protocol(protocol)
    with ctx.transaction() as s:
        changes: dict[str, Any] = {"protocol": p}
        if p == "udp":
            changes["tls"] = False
        _merge(s, "syslog", changes, ctx.clock.now())
        record_event(s, ctx, action="syslog.set_protocol", target="syslog",
                     details={"protocol": p})
        return load_syslog_settings(s)


def use_tcp(s: Session, ctx: AppContext) -> None:
    """Enhanced Security Mode: the audit trail goes to syslog over TCP (inside the caller's
    transaction; the caller records the audit event)."""
    _merge(s, "syslog", {"protocol": "tcp"}, ctx.clock.now())


def stored_protocol(s: Session) -> str | None:
    """The protocol as configured (None when never set)."""
    value = _setting(s, "syslog").get("protocol")
    return str(value) if value else None


def _sd_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _token(text: str, limit: int) -> str:
    out = "".join(c for c in text if 33 <= ord(c) <= 126)[:limit]
    return out or "-"


def format_rfc5424(event: AuditEvent, *, hostname: str, app: str = "certyard") -> bytes:
    """One audit record as an RFC 5424 message: facility "log audit", severity notice for
    a success and warning for a failure; who/where/what/outcome in structured data."""
    severity = 5 if event.outcome == "success" else 4
    pri = FACILITY_AUDIT * 8 + severity
    ts = event.at.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    params = {"id": str(event.id), "actor": event.actor, "source": event.source,
              "action": event.action, "target": event.target, "outcome": event.outcome,
              "hash": event.hash}
    sd = "[" + SD_ID + "".join(f' {k}="{_sd_escape(v)}"' for k, v in params.items()) + "]"
    msg = (f"{event.action} {event.target} {event.outcome} "
           f"{json.dumps(event.details or {}, sort_keys=True, default=str)}")
    head = (f"<{pri}>1 {ts} {_token(hostname, 255)} {_token(app, 48)} - "
            f"{_token(event.action, 32)} {sd} ")
    return (head + msg).encode("utf-8")


@dataclass(frozen=True, kw_only=True)
class DeliveryResult:
    sent: int
    pending: int
    error: str | None = None
    alarm_raised: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "pending": self.pending, "error": self.error,
                "alarm_raised": self.alarm_raised}


class _Sender:
    """One connection for one delivery run."""

    def __init__(self, cfg: SyslogSettings, timeout: float) -> None:
        self.cfg = cfg
        self.sock: socket.socket
        port = cfg.effective_port
        if cfg.protocol == "udp":
            info = socket.getaddrinfo(cfg.host, port, type=socket.SOCK_DGRAM)[0]
            self.sock = socket.socket(info[0], socket.SOCK_DGRAM)
            self.sock.settimeout(timeout)
            self.sock.connect(info[4])
        else:
            sock = socket.create_connection((cfg.host, port), timeout=timeout)
            if cfg.tls:
                tls = ssl.create_default_context(cafile=cfg.ca_file or None)
                sock = tls.wrap_socket(sock, server_hostname=cfg.host)
            self.sock = sock

    def send(self, message: bytes) -> None:
        if self.cfg.protocol == "udp":
            self.sock.send(message)
        else:  # RFC 6587 / RFC 5425 octet counting: "LEN SP MSG"
            self.sock.sendall(str(len(message)).encode() + b" " + message)

    def close(self) -> None:
        if self.cfg.protocol != "udp":
            # Half-close, then drain what the server sent (TLS 1.3 session tickets): closing
            # with unread data makes the kernel reset the connection, and a reset can drop
            # records the server had not read yet.
            try:
                self.sock.shutdown(socket.SHUT_WR)
                self.sock.settimeout(2)
                while self.sock.recv(4096):
                    pass
            except (OSError, ValueError):
                pass
        self.sock.close()


def deliver_backlog(ctx: AppContext, *, batch: int = 1000, timeout: float = 5.0) -> DeliveryResult:
    """Send the records not yet delivered, oldest first; one replica at a time (the
    cursor row is locked for the run)."""
    sent = 0
    error: str | None = None
    alarm = False
    with ctx.transaction() as s:
        cfg = load_syslog_settings(s)
        if not cfg.enabled or not cfg.host:
            return DeliveryResult(sent=0, pending=0, error="remote syslog is not enabled")
        state = _setting(s, "syslog_delivery", lock=True)
        if s.get(Setting, "syslog_delivery") is None:
            _merge(s, "syslog_delivery", {"last_sent_id": 0}, ctx.clock.now())
        cursor = int(state.get("last_sent_id") or 0)
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.id > cursor)
                              .order_by(AuditEvent.id).limit(batch)))
        hostname = cfg.hostname or socket.gethostname()
        now = ctx.clock.now()
        if rows:
            try:
                sender = _Sender(cfg, timeout)
                try:
                    for row in rows:
                        sender.send(format_rfc5424(row, hostname=hostname))
                        cursor = row.id
                        sent += 1
                finally:
                    sender.close()
            except (OSError, ssl.SSLError) as e:
                error = (f"syslog server {cfg.host}:{cfg.effective_port} "
                         f"({cfg.protocol}{'+tls' if cfg.tls else ''}): "
                         f"{e.strerror or e}" if isinstance(e, OSError) else str(e))
        changes: dict[str, Any] = {"last_sent_id": cursor}
        if error:
            changes.update(last_error=error, last_error_at=now.isoformat())
            last_alarm = state.get("last_alarm_at")
            due = (last_alarm is None
                   or now - dt.datetime.fromisoformat(last_alarm) >= ALARM_EVERY)
            if cfg.protocol == "tcp" and due:
                raise_alarm(s, ctx, name=ALARM, object=f"{cfg.host}:{cfg.effective_port}",
                            severity="Error",
                            message=f"remote syslog delivery failed; records stay in the "
                                    f"local audit trail and are resent: {error}")
                changes["last_alarm_at"] = now.isoformat()
                alarm = True
        elif rows:
            changes.update(last_error=None, last_sent_at=now.isoformat())
        _merge(s, "syslog_delivery", changes, now)
        pending = s.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.id > cursor)) or 0
    return DeliveryResult(sent=sent, pending=pending, error=error, alarm_raised=alarm)


def syslog_status(ctx: AppContext) -> dict[str, Any]:
    with ctx.read() as s:
        cfg = load_syslog_settings(s)
        state = _setting(s, "syslog_delivery")
        cursor = int(state.get("last_sent_id") or 0)
        pending = s.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.id > cursor)) or 0 if cfg.enabled else 0
    return {**cfg.to_dict(), "pending": pending, "last_sent_id": cursor,
            "last_error": state.get("last_error"), "last_error_at": state.get("last_error_at"),
            "last_sent_at": state.get("last_sent_at")}
