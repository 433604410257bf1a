"""Settings of the monitor room, one JSON document each in the ``setting`` table:

* ``monitor``    — Certificate Monitor (seed Table 3): Notification Start Time (days),
                   Notification Frequency (N hours or N days), Enable E-mail Notification,
                   Email IDs.
* ``smtp``       — the mail server: host, port, security (none | starttls | tls), optional
                   authentication (password sealed with the master key), sender.
* ``revocation`` — Certificate Revocation: Enable OCSP, URI from certificate or configured
                   URI, Enable Revocation Check, Check Every N hours or days.
(Alert actions belong to the alarms room: ``certyard.alarms``.)
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from sqlalchemy.orm import Session

from certyard.alarms import validate_emails
from certyard.audit import record_event
from certyard.db.models import Setting
from certyard.errors import InvalidInput

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "MonitorSettings",
    "RevocationSettings",
    "SmtpSettings",
    "get_monitor_settings",
    "get_revocation_settings",
    "get_smtp_settings",
    "load",
    "settings_warnings",
    "smtp_password",
    "update_monitor_settings",
    "update_revocation_settings",
    "update_smtp_settings",
]

UNITS = ("hours", "days")


def _int(value: object, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            raise InvalidInput(f"{name} must be a whole number", field=name) from None
    if not lo <= value <= hi:
        raise InvalidInput(f"{name} must be between {lo} and {hi}", field=name)
    return value


def _unit(value: str, name: str) -> str:
    if value not in UNITS:
        raise InvalidInput(f"{name} must be hours or days", field=name)
    return value


@dataclass(frozen=True, kw_only=True)
class MonitorSettings:
    notification_start_days: int = 30
    notification_frequency: int = 1
    notification_frequency_unit: str = "days"
    email_enabled: bool = False
    email_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _int(self.notification_start_days, "notification_start_days", 1, 3650)
        _int(self.notification_frequency, "notification_frequency", 1, 10000)
        _unit(self.notification_frequency_unit, "notification_frequency_unit")
        if self.email_enabled and not self.email_ids:
            raise InvalidInput("e-mail notification needs at least one e-mail ID",
                               field="email_ids")

    @property
    def period(self) -> dt.timedelta:
        hours = 24 if self.notification_frequency_unit == "days" else 1
        return dt.timedelta(hours=self.notification_frequency * hours)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["email_ids"] = list(self.email_ids)
        return d


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    host: str = ""
    port: int = 25
    security: str = "none"  # none | starttls | tls
    username: str = ""
    password_sealed: str = field(default="", repr=False)
    sender: str = "certyard@localhost"
    timeout_seconds: int = 10

    def __post_init__(self) -> None:
        if self.host and (len(self.host) > 253 or not re.match(r"^[A-Za-z0-9.:\-\[\]]+$",
                                                               self.host)):
            raise InvalidInput(f"SMTP host {self.host!r} is not valid", field="host")
        _int(self.port, "port", 1, 65535)
        if self.security not in ("none", "starttls", "tls"):
            raise InvalidInput("security must be none, starttls or tls", field="security")
        validate_emails([self.sender], field_name="sender")
        _int(self.timeout_seconds, "timeout_seconds", 1, 300)

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("password_sealed")
        d["password_set"] = bool(self.password_sealed)
        return d


@dataclass(frozen=True, kw_only=True)
class RevocationSettings:
    ocsp_enabled: bool = False
    ocsp_uri_source: str = "certificate"  # certificate | configured
    ocsp_configured_uri: str = ""
    revocation_check_enabled: bool = False
    check_every: int = 24
    check_every_unit: str = "hours"
    timeout_seconds: int = 10
    crl_fallback: bool = True
    # Where OCSP/CRL URLs taken from certificates may lead besides public addresses:
    # host names, ".example.com" (a domain and its subdomains) or CIDR networks.
    allowed_destinations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_destinations",
                           _destinations(self.allowed_destinations))
        if self.ocsp_uri_source not in ("certificate", "configured"):
            raise InvalidInput("ocsp_uri_source must be certificate or configured",
                               field="ocsp_uri_source")
        if self.ocsp_configured_uri:
            u = urlparse(self.ocsp_configured_uri)
            if u.scheme not in ("http", "https") or not u.hostname:
                raise InvalidInput("OCSP configured URI must be an http(s) URL",
                                   field="ocsp_configured_uri")
        if self.ocsp_uri_source == "configured" and self.ocsp_enabled \
                and not self.ocsp_configured_uri:
            raise InvalidInput("Use configured OCSP URI needs the OCSP Configured URI",
                               field="ocsp_configured_uri")
        _int(self.check_every, "check_every", 1, 10000)
        _unit(self.check_every_unit, "check_every_unit")
        _int(self.timeout_seconds, "timeout_seconds", 1, 120)

    @property
    def interval(self) -> dt.timedelta:
        hours = 24 if self.check_every_unit == "days" else 1
        return dt.timedelta(hours=self.check_every * hours)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["allowed_destinations"] = list(self.allowed_destinations)
        return d


_HOST = re.compile(r"^\.?(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
                   r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def _destinations(values: Any) -> tuple[str, ...]:
    import ipaddress

    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise InvalidInput("allowed destinations must be a list", field="allowed_destinations")
    out: list[str] = []
    for v in values:
        text = str(v).strip().lower()
        if not text:
            continue
        try:
            text = str(ipaddress.ip_network(text, strict=False))
        except ValueError:
            if not _HOST.match(text):
                raise InvalidInput(f"{str(v)[:80]!r} is neither a host name, a .domain nor "
                                   "a CIDR network", field="allowed_destinations") from None
        if text not in out:
            out.append(text)
    if len(out) > 200:
        raise InvalidInput("at most 200 allowed destinations", field="allowed_destinations")
    return tuple(out)


T = TypeVar("T")
_KINDS: dict[str, type[Any]] = {"monitor": MonitorSettings, "smtp": SmtpSettings,
                                "revocation": RevocationSettings}


def load(s: Session, name: str) -> Any:
    cls = _KINDS[name]
    row = s.get(Setting, name)
    raw = dict(row.value) if row else {}
    known = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in raw.items() if k in known}
    if "email_ids" in kwargs:
        kwargs["email_ids"] = tuple(kwargs["email_ids"])
    return cls(**kwargs)


def _save(s: Session, ctx: AppContext, name: str, value: Any, details: dict[str, Any]) -> None:
    data = asdict(value)
    if "email_ids" in data:
        data["email_ids"] = list(data["email_ids"])
    row = s.get(Setting, name)
    if row is None:
        s.add(Setting(name=name, value=data, updated_at=ctx.clock.now()))
    else:
        row.value = data
        row.updated_at = ctx.clock.now()
    record_event(s, ctx, action=f"{name}.update", target=name, details=details)


def _update(
    ctx: AppContext, name: str, changes: dict[str, Any], secret: set[str] | None = None,
) -> Any:
    changes = {k: v for k, v in changes.items() if v is not None}
    with ctx.transaction() as s:
        cur = load(s, name)
        try:
            new = replace(cur, **changes)
        except TypeError as e:
            raise InvalidInput(str(e)) from None
        shown = {k: ("***" if secret and k in secret else v) for k, v in changes.items()}
        _save(s, ctx, name, new, shown)
        return new


def get_monitor_settings(ctx: AppContext) -> MonitorSettings:
    with ctx.read() as s:
        return load(s, "monitor")  # type: ignore[no-any-return]


def update_monitor_settings(ctx: AppContext, **changes: Any) -> MonitorSettings:
    if changes.get("email_ids") is not None:
        changes["email_ids"] = tuple(validate_emails(changes["email_ids"]))
    return _update(ctx, "monitor", changes)  # type: ignore[no-any-return]


def get_smtp_settings(ctx: AppContext) -> SmtpSettings:
    with ctx.read() as s:
        return load(s, "smtp")  # type: ignore[no-any-return]


def update_smtp_settings(
    ctx: AppContext, *, password: str | None = None, **changes: Any,
) -> SmtpSettings:
    """``password=""`` removes the stored password; None leaves it as it is — unless the
    host, port or user name changes: a stored password is never sent to a server it was not
    entered for, so it must be given again."""
    if password is None:
        cur = get_smtp_settings(ctx)
        if any(changes.get(k) is not None and changes[k] != getattr(cur, k)
               for k in ("host", "port", "username")) and cur.password_sealed:
            changes["password_sealed"] = ""
    if password is not None:
        changes["password_sealed"] = (
            base64.b64encode(ctx.master_key.seal(password.encode(), aad=b"smtp")).decode()
            if password else "")
    return _update(ctx, "smtp", changes, {"password_sealed"})  # type: ignore[no-any-return]


def smtp_password(ctx: AppContext, smtp: SmtpSettings) -> str:
    if not smtp.password_sealed:
        return ""
    return ctx.master_key.open(base64.b64decode(smtp.password_sealed), aad=b"smtp").decode()


def get_revocation_settings(ctx: AppContext) -> RevocationSettings:
    with ctx.read() as s:
        return load(s, "revocation")  # type: ignore[no-any-return]


def update_revocation_settings(ctx: AppContext, **changes: Any) -> RevocationSettings:
    return _update(ctx, "revocation", changes)  # type: ignore[no-any-return]


def _responder_candidates(s: Session) -> int:
    """tomcat-trust certificates that could sign OCSP responses for others: anything but the
    cluster's own self-signed tomcat certificates (which sign nobody's status)."""
    from sqlalchemy import func, select

    from certyard.db.models import StoreEntry

    return int(s.scalar(select(func.count()).select_from(StoreEntry).where(
        StoreEntry.type == "trust", StoreEntry.purpose == "tomcat",
        StoreEntry.source_node_id.is_(None))) or 0)


def settings_warnings(ctx: AppContext) -> list[str]:
    """What the Certificate Monitor and revocation settings in force will not achieve, said
    at the moment of the change rather than at the first failure (seed 001: "You must
    upload the OCSP Responder certificate to tomcat-trust before enabling OCSP")."""
    out: list[str] = []
    with ctx.read() as s:
        mon: MonitorSettings = load(s, "monitor")
        smtp: SmtpSettings = load(s, "smtp")
        rev: RevocationSettings = load(s, "revocation")
        if mon.email_enabled and not smtp.configured:
            out.append("e-mail notification is enabled but no SMTP server is configured; "
                       "notices wait in the outbox until one is (certyard smtp set --host H)")
        if rev.ocsp_enabled and _responder_candidates(s) == 0:
            out.append("OCSP is enabled but tomcat-trust holds no OCSP responder or issuer "
                       "certificate; upload it first (certyard cert upload-trust tomcat-trust "
                       "FILE), or every response will be refused as untrusted")
    return out
