"""The doctor's checks that need an open store (see certyard.ops.doctor for the list)."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import ssl
import warnings
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID
from sqlalchemy import select

from certyard.db.models import Node, StoreEntry
from certyard.db.models.agent import AgentCredential, AgentStatus
from certyard.db.models.ca import CaCertificate, CaIssued
from certyard.db.models.monitor import JobLease, OutboxMessage
from certyard.ops.doctor import DoctorOptions, Finding, parse_listener

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["agents_check", "ca_check", "jobs_check", "listener_check", "outbox_check",
           "ui_certificate_check", "url_check"]

_UI_FIX = ("certyard csr generate tomcat && certyard ca sign-pending tomcat --approve "
           "(or: certyard cert generate-self-signed tomcat)")
_SERVER_FIX = "systemctl start certyard (or run certyard serve)"


def _days(delta: dt.timedelta) -> str:
    if delta.days:
        return f"{delta.days} day(s)"
    secs = int(delta.total_seconds())
    return f"{secs // 3600} h" if secs >= 3600 else f"{secs // 60} min"


def ca_check(ctx: AppContext, o: DoctorOptions, now: dt.datetime) -> list[Finding]:
    with ctx.read() as s:
        rows = list(s.scalars(select(CaCertificate).where(CaCertificate.active.is_(True))))
    if not any(r.role in ("issuing", "root+issuing") for r in rows):
        return [Finding(check="ca", severity="error",
                        message="no certificate authority is set up", fix="certyard ca init")]
    out: list[Finding] = []
    for r in rows:
        left = r.not_after - now
        if left <= dt.timedelta(0):
            out.append(Finding(check="ca", severity="error",
                               message=f"CA {r.subject} ({r.role}) expired on {r.not_after:%F}",
                               fix="certyard ca import (a renewed CA certificate and key)"))
        elif left < dt.timedelta(days=o.expiry_warning_days):
            out.append(Finding(check="ca", severity="warning",
                               message=f"CA {r.subject} ({r.role}) expires in {_days(left)} "
                                       f"({r.not_after:%F})",
                               fix="certyard ca import (a renewed CA certificate and key)"))
    return out or [Finding(check="ca", severity="ok",
                           message=f"{len(rows)} CA certificate(s) valid beyond "
                                   f"{o.expiry_warning_days} days")]


def _publisher_tomcat(ctx: AppContext) -> tuple[Node | None, list[StoreEntry]]:
    with ctx.read() as s:
        pub = s.scalar(select(Node).where(Node.is_publisher.is_(True)))
        if pub is None:
            return None, []
        return pub, list(s.scalars(select(StoreEntry).where(
            StoreEntry.type == "identity", StoreEntry.node_id == pub.id,
            StoreEntry.purpose.in_(("tomcat", "tomcat-ECDSA")))))


def ui_certificate_check(ctx: AppContext, o: DoctorOptions, now: dt.datetime) -> list[Finding]:
    pub, rows = _publisher_tomcat(ctx)
    if pub is None:
        return [Finding(check="ui_certificate", severity="error",
                        message="the cluster is not initialised", fix="certyard init")]
    tomcat = [r for r in rows if r.purpose == "tomcat"]
    if not tomcat:
        return [Finding(check="ui_certificate", severity="error",
                        message=f"no tomcat certificate on publisher {pub.fqdn}", fix=_UI_FIX)]
    out: list[Finding] = []
    for r in rows:
        label = f"{r.purpose} certificate of {pub.fqdn} (serial {r.serial})"
        names = {str(n).split(":", 1)[-1].lower() for n in (r.sans or [])}
        if r.not_after is None or r.not_before is None:
            continue
        if r.not_after <= now or r.not_before > now:
            out.append(Finding(check="ui_certificate", severity="error",
                               message=f"{label} is not valid now ({r.not_before:%F} to "
                                       f"{r.not_after:%F})", fix=_UI_FIX))
        elif r.not_after - now < dt.timedelta(days=o.expiry_warning_days):
            out.append(Finding(check="ui_certificate", severity="warning",
                               message=f"{label} expires in {_days(r.not_after - now)}",
                               fix=_UI_FIX))
        if pub.fqdn.lower() not in names:
            out.append(Finding(check="ui_certificate", severity="error",
                               message=f"{label} does not name {pub.fqdn} (names: "
                                       f"{', '.join(sorted(names)) or r.common_name})",
                               fix=_UI_FIX))
    return out or [Finding(check="ui_certificate", severity="ok",
                           message=f"tomcat certificate of {pub.fqdn} valid until "
                                   f"{tomcat[0].not_after:%F} and names it")]


def _embedded_urls(der: bytes) -> list[tuple[str, str]]:
    cert = x509.load_der_x509_certificate(der)
    found: list[tuple[str, str]] = []
    try:
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        for dp in cdp:
            for name in dp.full_name or []:
                if isinstance(name, x509.UniformResourceIdentifier):
                    found.append(("crl", name.value))
    except x509.ExtensionNotFound:
        pass
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        for desc in aia:
            if isinstance(desc.access_location, x509.UniformResourceIdentifier):
                kind = ("ocsp" if desc.access_method == AuthorityInformationAccessOID.OCSP
                        else "ca_issuers")
                found.append((kind, desc.access_location.value))
    except x509.ExtensionNotFound:
        pass
    return found


def url_check(ctx: AppContext, o: DoctorOptions, now: dt.datetime) -> list[Finding]:
    if not o.check_urls:
        return []
    import httpx

    with ctx.read() as s:
        ders = list(s.scalars(select(CaIssued.der).where(CaIssued.not_after > now)
                              .order_by(CaIssued.id.desc()).limit(200)))
        ders += list(s.scalars(select(CaCertificate.der)
                               .where(CaCertificate.active.is_(True))))
    urls: dict[str, str] = {}
    for der in ders:
        for kind, url in _embedded_urls(der):
            urls.setdefault(url, kind)
    if not urls:
        return [Finding(check="urls", severity="ok",
                        message="no CRL/OCSP/CA URLs embedded in issued certificates")]
    out: list[Finding] = []
    fix = ("start the HTTP listener (certyard serve --http-port ...), or point certificates at "
           "a reachable address: certyard ca config --base-url http://HOST:PORT")
    with httpx.Client(timeout=o.url_timeout, follow_redirects=False, trust_env=False) as client:
        for url, kind in sorted(urls.items()):
            try:
                status = client.get(url).status_code
            except httpx.HTTPError as exc:
                out.append(Finding(check="urls", severity="error",
                                   message=f"{kind} URL {url} is not reachable from this "
                                           f"server: {type(exc).__name__}", fix=fix))
                continue
            good = status < 500 if kind == "ocsp" else status == 200
            if not good:
                out.append(Finding(check="urls", severity="error",
                                   message=f"{kind} URL {url} answers HTTP {status}", fix=fix))
    return out or [Finding(check="urls", severity="ok",
                           message=f"{len(urls)} embedded URL(s) answer")]


_VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
             "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def _handshake(host: str, port: int, *, maximum: ssl.TLSVersion | None,
               timeout: float) -> tuple[str, bytes] | None:
    """(negotiated version, peer certificate DER), or None when the handshake fails."""
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE  # we compare the certificate ourselves
    c.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    if maximum is not None:
        with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: we offer them on purpose
            warnings.simplefilter("ignore", DeprecationWarning)
            c.maximum_version = maximum
    try:
        c.set_ciphers("ALL:@SECLEVEL=0")
    except ssl.SSLError:
        pass
    with socket.create_connection((host, port), timeout=timeout) as raw:
        try:
            with c.wrap_socket(raw, server_hostname=host) as tls:
                return str(tls.version()), tls.getpeercert(binary_form=True) or b""
        except (ssl.SSLError, OSError):
            return None


def _speaks_plain_http(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            raw.sendall(b"HEAD / HTTP/1.0\r\nHost: doctor\r\n\r\n")
            return raw.recv(5) == b"HTTP/"
    except OSError:
        return False


def listener_check(ctx: AppContext, o: DoctorOptions, now: dt.datetime) -> list[Finding]:
    from certyard.policy import get_tls_policy

    minimum = str(get_tls_policy(ctx).get("min_version") or "1.2")
    _, rows = _publisher_tomcat(ctx)
    expected = {r.fingerprint_sha256.lower() for r in rows}
    out: list[Finding] = []
    reload_fix = "systemctl reload certyard (or restart whatever terminates TLS there)"
    for listener in o.listeners:
        host, port = parse_listener(listener)
        check = f"listener:{listener}"
        try:
            got = _handshake(host, port, maximum=None, timeout=o.url_timeout)
        except (OSError, ValueError) as exc:
            out.append(Finding(check=check, severity="error",
                               message=f"no TLS listener answers on {listener}: "
                                       f"{getattr(exc, 'strerror', None) or exc}",
                               fix=_SERVER_FIX))
            continue
        if got is None:
            if _speaks_plain_http(host, port, o.url_timeout):
                out.append(Finding(check=check, severity="error",
                                   message=f"{listener} answers plain HTTP, not TLS (the "
                                           "CRL/OCSP --http-port?)",
                                   fix="certyard doctor --listener HOST:HTTPS-PORT (the "
                                       "--https-port of certyard serve, default 8443)"))
            else:
                out.append(Finding(check=check, severity="error",
                                   message=f"TLS handshake with {listener} fails",
                                   fix=reload_fix))
            continue
        version, der = got
        problems: list[Finding] = []
        fp = hashlib.sha256(der).hexdigest()
        if expected and fp not in expected:
            problems.append(Finding(check=check, severity="error",
                                    message=f"{listener} serves certificate SHA-256 {fp[:16]}…, "
                                            "not the publisher's current tomcat certificate",
                                    fix=reload_fix))
        for name, tls_version in _VERSIONS.items():
            if name >= minimum:
                continue
            try:
                below = _handshake(host, port, maximum=tls_version,
                                   timeout=o.url_timeout)
            except OSError:
                below = None
            if below is not None:
                problems.append(Finding(
                    check=check, severity="error",
                    message=f"{listener} accepts TLS {name}, below the policy minimum "
                            f"{minimum}", fix=reload_fix))
        out += problems or [Finding(check=check, severity="ok",
                                    message=f"{listener}: {version}, nothing below TLS "
                                            f"{minimum}, current tomcat certificate")]
    return out


def jobs_check(ctx: AppContext, o: DoctorOptions, now: dt.datetime) -> list[Finding]:
    from certyard.ops.jobs import all_jobs

    with ctx.read() as s:
        leases = {r.name: r for r in s.scalars(select(JobLease))}
    out: list[Finding] = []
    never = [job.name for job in all_jobs() if job.name not in leases]
    if never:
        out.append(Finding(check="jobs", severity="error",
                           message=f"{len(never)} job(s) never ran ({', '.join(never)}); jobs "
                                   "run inside certyard serve", fix=_SERVER_FIX))
    for job in all_jobs():
        row = leases.get(job.name)
        if row is None:
            continue
        late = now - row.next_run_at
        if late > dt.timedelta(seconds=job.every_seconds) + o.job_grace:
            out.append(Finding(check="jobs", severity="error",
                               message=f"job {job.name} is overdue by {_days(late)}: no "
                                       "scheduler is running", fix=_SERVER_FIX))
        if row.holder and row.lease_until < now - o.job_grace:
            out.append(Finding(check="jobs", severity="warning",
                               message=f"job {job.name}: the lease of {row.holder} ran out at "
                                       f"{row.lease_until:%F %T}Z (holder died mid-run)",
                               fix=f"certyard monitor run-job {job.name}"))
        if row.last_error:
            out.append(Finding(check="jobs", severity="warning",
                               message=f"job {job.name} failed last time: "
                                       f"{' '.join(row.last_error.split())[:200]}",
                               fix=f"certyard monitor run-job {job.name}"))
    return out or [Finding(check="jobs", severity="ok",
                           message=f"{len(leases)} job(s) on schedule, leases fresh")]


def outbox_check(ctx: AppContext, o: DoctorOptions, now: dt.datetime) -> list[Finding]:
    with ctx.read() as s:
        msgs = list(s.scalars(select(OutboxMessage).where(
            OutboxMessage.status.in_(("pending", "failed")))))
    stuck = [m for m in msgs if m.status == "pending" and now - m.created_at > o.outbox_stuck_after]
    failed = [m for m in msgs if m.status == "failed"]
    out: list[Finding] = []
    if stuck:
        oldest = min(m.created_at for m in stuck)
        last = next((m.last_error for m in stuck if m.last_error), "")
        out.append(Finding(check="outbox", severity="error",
                           message=f"{len(stuck)} e-mail(s) waiting since {oldest:%F %T}Z"
                                   + (f": {' '.join(last.split())[:160]}" if last else ""),
                           fix="certyard smtp test, then certyard monitor deliver"))
    if failed:
        out.append(Finding(check="outbox", severity="warning",
                           message=f"{len(failed)} e-mail(s) gave up after retries",
                           fix="certyard monitor outbox (and certyard smtp show)"))
    return out or [Finding(check="outbox", severity="ok",
                           message=f"outbox flowing ({len(msgs)} waiting, none stuck)")]


def agents_check(ctx: AppContext, o: DoctorOptions, now: dt.datetime) -> list[Finding]:
    with ctx.read() as s:
        enrolled = {n for n in s.scalars(select(AgentCredential.node_id).where(
            AgentCredential.not_after > now))}
        statuses = {st.node_id: st for st in s.scalars(select(AgentStatus))}
        names = {n.id: n.name for n in s.scalars(select(Node))}
    out: list[Finding] = []
    for node_id in sorted(enrolled | set(statuses)):
        name = names.get(node_id, str(node_id))
        fix = (f"on node {name}: systemctl restart certyard-agent "
               "(journalctl -u certyard-agent; certyard agent run --once)")
        st = statuses.get(node_id)
        if st is None:
            out.append(Finding(check="agents", severity="warning",
                               message=f"agent of node {name} enrolled but never synced",
                               fix=fix))
            continue
        if now - st.last_seen_at > o.agent_stale_after:
            out.append(Finding(check="agents", severity="error",
                               message=f"agent of node {name} last synced "
                                       f"{_days(now - st.last_seen_at)} ago "
                                       f"({st.last_seen_at:%F %T}Z)", fix=fix))
        elif not st.ok:
            out.append(Finding(check="agents", severity="warning",
                               message=f"agent of node {name} reports: "
                                       f"{' '.join(st.error.split())[:200]}", fix=fix))
    return out or [Finding(check="agents", severity="ok",
                           message=f"{len(statuses)} agent(s) synced within "
                                   f"{_days(o.agent_stale_after)}")]
