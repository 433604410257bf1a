"""Where this server listens, as the administrator names it, and whether the URLs the CA
writes into certificates (CRL distribution point, AIA OCSP and CA issuers) reach it.

Stored in the ``setting`` table under ``listeners``: ``names`` (DNS names or addresses by
which relying parties reach the plain-HTTP listener), ``http_port`` and ``https_port``.
``certyard serve`` reports the ports it actually bound (``running``), which win over the
stored ones when the check runs inside the server.

``url_warnings`` says, in words, every way the embedded URLs miss: a scheme that is not
http, a host that is not one of the listener names (nor the publisher's FQDN or address),
a port that is not the HTTP listener's. Like Vault's warning when its URLs are unset, it
does not block: the CRL may well be published elsewhere on purpose.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select

from certyard.audit import record_event
from certyard.ca.build import Urls
from certyard.ca.config import load_settings
from certyard.db.models import Node, Setting
from certyard.errors import CertyardError, InvalidInput, InvalidInputs
from certyard.x509 import check_dns_name

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ListenerSettings", "embedded_urls", "listener_settings", "update_listeners",
           "url_warnings"]

SETTING_NAME = "listeners"


_LABELS = {"http_port": "Plain-HTTP port", "https_port": "HTTPS port"}


def _port(value: Any, field_name: str) -> int:
    what = _LABELS.get(field_name, field_name.replace("_", " "))
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        shown = str(value)[:20]
        raise InvalidInput(f"{what} must be a port number from 1 to 65535, "
                           f"not {shown!r}",
                           field=field_name)
    return port


def _raise(problems: list[InvalidInput]) -> None:
    """One problem as itself, several at once (a form shows each under its field)."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidInputs(problems)


@dataclass(frozen=True, kw_only=True)
class ListenerSettings:
    names: list[str] = field(default_factory=list)
    http_port: int = 8080
    https_port: int = 8443

    def __post_init__(self) -> None:
        problems: list[InvalidInput] = []
        for name in ("http_port", "https_port"):
            try:
                _port(getattr(self, name), name)
            except InvalidInput as exc:
                problems.append(exc)
        if not problems and self.http_port == self.https_port:
            problems.append(InvalidInput(
                f"the plain-HTTP and HTTPS ports must differ (both are {self.http_port})",
                field="http_port"))
        for n in self.names:
            try:
                check_dns_name(n)
            except CertyardError:
                if not _is_ip(n):
                    problems.append(InvalidInput(f"listener name {n[:80]!r} is not a DNS "
                                                 "name or IP address", field="names"))
        _raise(problems)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _load(s: Any) -> ListenerSettings:
    row = s.get(Setting, SETTING_NAME)
    value = dict(row.value) if row else {}
    known = {k: v for k, v in value.items() if k in ListenerSettings.__dataclass_fields__}
    return ListenerSettings(**known)


def listener_settings(ctx: AppContext) -> ListenerSettings:
    with ctx.read() as s:
        return _load(s)


def _changed(cur: dict[str, Any], names: list[str] | None, http_port: Any,
             https_port: Any) -> ListenerSettings:
    """The settings after the change, every wrong value reported at once."""
    problems: list[InvalidInput] = []
    if names is not None:
        cur["names"] = sorted({n.strip().lower().rstrip(".") for n in names if n.strip()})
    for name, value in (("http_port", http_port), ("https_port", https_port)):
        if value not in (None, ""):
            try:
                cur[name] = _port(value, name)
            except InvalidInput as exc:
                problems.append(exc)
    if problems:  # the names may be wrong too: say so in the same answer
        try:
            ListenerSettings(**{**cur, "http_port": 1, "https_port": 2})
        except InvalidInputs as exc:
            problems += exc.problems
        except InvalidInput as exc:
            problems.append(exc)
        _raise(problems)
    return ListenerSettings(**cur)


def update_listeners(ctx: AppContext, *, names: list[str] | None = None,
                     http_port: Any = None, https_port: Any = None,
                     check_only: bool = False) -> ListenerSettings:
    """Save the listener settings; every wrong value is reported at once. ``check_only``:
    what would be saved, saving nothing (a form checks all its values before any save)."""
    with ctx.transaction() as s:
        result = _changed(_load(s).to_dict(), names, http_port, https_port)
        if check_only:
            return result
        row = s.get(Setting, SETTING_NAME)
        now = ctx.clock.now()
        if row is None:
            s.add(Setting(name=SETTING_NAME, value=result.to_dict(), updated_at=now))
        else:
            row.value, row.updated_at = result.to_dict(), now
        record_event(s, ctx, action="settings.listeners", target="listeners",
                     details=result.to_dict())
        return result


def embedded_urls(ctx: AppContext, issuer_id: int | str = "N") -> dict[str, str]:
    """The URLs a certificate issued now would carry (``N``: the issuing CA's number)."""
    with ctx.read() as s:
        base = load_settings(s).url
    u = Urls(base, issuer_id)  # type: ignore[arg-type]
    return {"CRL distribution point": u.crl, "OCSP (AIA)": u.ocsp,
            "CA issuers (AIA)": u.ca_issuers}


def url_warnings(ctx: AppContext, *, running: dict[str, Any] | None = None) -> list[str]:
    """Every way the CA base URL misses this server's plain-HTTP listener, and the HTTPS port
    setting misses the running HTTPS listener, in words."""
    with ctx.read() as s:
        base = load_settings(s).url
        listeners = _load(s)
        pub = s.scalars(select(Node).where(Node.is_publisher.is_(True))).first()
    parts = urlsplit(base)
    out: list[str] = []
    if parts.scheme != "http":
        out.append(f"the CA base URL {base} is not plain http://; relying parties fetch CRLs "
                   "and OCSP without TLS")
        return out
    names = set(listeners.names)
    if pub is not None:
        names |= {pub.fqdn.lower()} | ({pub.ip} if pub.ip else set())
    host = (parts.hostname or "").lower()
    port = parts.port or 80
    http_port = int((running or {}).get("http_port") or listeners.http_port)
    if host not in names:
        out.append(f"certificates will point to host {host}, which is not a name of this "
                   f"server's listeners ({', '.join(sorted(names)) or 'none set'}); CRL and "
                   "OCSP fetches may not reach it")
    if (running or {}).get("http_port") == 0:
        out.append("this server runs without a plain-HTTP listener, so nothing here answers "
                   "the CRL and OCSP URLs")
    elif port != http_port:
        out.append(f"certificates will point to port {port}, but the plain-HTTP listener is on "
                   f"port {http_port}")
    run_http = (running or {}).get("http_port")
    if run_http and int(run_http) != listeners.http_port:
        out.append(f"the plain-HTTP port is set to {listeners.http_port}, but this server "
                   f"listens for plain HTTP on port {run_http}; relying parties told "
                   f"{listeners.http_port} will not reach it until the two agree")
    run_https = (running or {}).get("https_port")
    if run_https and int(run_https) != listeners.https_port:
        out.append(f"the HTTPS port is set to {listeners.https_port}, but this server listens "
                   f"for HTTPS on port {run_https}; nodes and browsers told "
                   f"{listeners.https_port} will not reach it until the two agree")
    return out
