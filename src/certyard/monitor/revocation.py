"""Revocation checks of the certificates in the store (seed "Certificate Revocation").

For each identity certificate that is not self-signed: find its issuer among the trust
certificates, ask OCSP (the certificate's AIA URI or the configured URI, per settings),
fall back to the CRL distribution point when OCSP is off, absent or failing, and store the
status per certificate (good | revoked | unknown | error) with the time. Revoked raises
CertificateRevoked; a failed check raises RevocationCheckFailed; success clears both.

Network calls run in a small thread pool, each cut off by a timeout, so a hanging
responder delays only its own certificate.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.alarms import clear_alarm, raise_alarm
from certyard.db.models import StoreEntry
from certyard.db.models.monitor import RevocationStatus
from certyard.errors import NotFound
from certyard.monitor.egress import EgressPolicy
from certyard.monitor.ocsp import (
    RevocationAnswer,
    _issued_by,
    check_crl,
    check_ocsp,
    crl_urls,
    ocsp_urls,
)
from certyard.monitor.settings import RevocationSettings, load

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["CheckReport", "StatusView", "check_one", "list_revocation_statuses",
           "revocation_status_of", "run_revocation_checks"]

ANCHOR_STORE = "tomcat"  # the seed: the OCSP responder certificate goes to tomcat-trust
WORKERS = 8


@dataclass(frozen=True, kw_only=True)
class StatusView:
    entry_id: int | None
    cert_key: str
    status: str
    source: str
    url: str
    detail: str
    checked_at: dt.datetime
    revoked_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in self.__dict__.items()}


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    checked: int
    good: int
    revoked: int
    unknown: int
    error: int
    skipped: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _view(r: RevocationStatus) -> StatusView:
    eid = int(r.cert_key.split(":", 1)[1]) if r.cert_key.startswith("store:") else None
    return StatusView(entry_id=eid, cert_key=r.cert_key, status=r.status, source=r.source,
                      url=r.url, detail=r.detail, checked_at=r.checked_at,
                      revoked_at=r.revoked_at)


def check_one(cert: x509.Certificate, issuer: x509.Certificate | None, cfg: RevocationSettings,
              anchors: list[x509.Certificate], now: dt.datetime) -> RevocationAnswer:
    """The decision for one certificate (network, no database)."""
    if issuer is None:
        return RevocationAnswer(status="error", source="none",
                                detail="the issuer is not in any trust store")
    egress = EgressPolicy(allowed=tuple(cfg.allowed_destinations),
                          configured_urls=(cfg.ocsp_configured_uri,)
                          if cfg.ocsp_configured_uri else ())
    urls: list[str] = []
    if cfg.ocsp_enabled:
        urls = ocsp_urls(cert) if cfg.ocsp_uri_source == "certificate" \
            else [cfg.ocsp_configured_uri]
    failures: list[str] = []
    for url in urls:
        ans = check_ocsp(cert, issuer, url, anchors=anchors, now=now,
                         timeout=cfg.timeout_seconds, egress=egress)
        if ans.status != "error":
            return ans
        failures.append(f"OCSP {url}: {ans.detail}")
    if cfg.crl_fallback:
        for url in crl_urls(cert):
            ans = check_crl(cert, issuer, url, now=now, timeout=cfg.timeout_seconds,
                            egress=egress)
            if ans.status != "error":
                if failures:
                    ans = RevocationAnswer(**{**ans.__dict__,
                                              "detail": "; ".join(failures) + "; CRL used"})
                return ans
            failures.append(f"CRL {url}: {ans.detail}")
    if failures:
        last = "ocsp" if failures[-1].startswith("OCSP") else "crl"
        return RevocationAnswer(status="error", source=last, url=urls[0] if urls else "",
                                detail="; ".join(failures))
    return RevocationAnswer(status="unknown", source="none",
                            detail="no OCSP URI and no CRL distribution point to ask")


def _load(s: Session) -> tuple[list[tuple[int, x509.Certificate, str]],
                               list[x509.Certificate], list[x509.Certificate]]:
    targets = [(eid, x509.load_der_x509_certificate(der), cn) for eid, der, cn in s.execute(
        select(StoreEntry.id, StoreEntry.der, StoreEntry.common_name)
        .where(StoreEntry.type == "identity", StoreEntry.self_signed.is_(False)))]
    trust: list[x509.Certificate] = []
    anchors: list[x509.Certificate] = []
    for purpose, der in s.execute(select(StoreEntry.purpose, StoreEntry.der)
                                  .where(StoreEntry.type == "trust")):
        c = x509.load_der_x509_certificate(der)
        trust.append(c)
        if purpose == ANCHOR_STORE:
            anchors.append(c)
    return targets, trust, anchors


def _find_issuer(cert: x509.Certificate, trust: list[x509.Certificate]) -> x509.Certificate | None:
    for c in trust:
        if _issued_by(cert, c):
            return c
    return None


def run_revocation_checks(ctx: AppContext, *, force: bool = False,
                          entry_ids: list[int] | None = None) -> CheckReport:
    """Check what is due (never checked, or older than Check Every); ``force`` checks all
    even when revocation checking is disabled (an administrator's explicit request)."""
    now = ctx.clock.now()
    with ctx.read() as s:
        cfg: RevocationSettings = load(s, "revocation")
        if not cfg.revocation_check_enabled and not force:
            return CheckReport(checked=0, good=0, revoked=0, unknown=0, error=0,
                               skipped="revocation checking is disabled")
        targets, trust, anchors = _load(s)
        last = {k: at for k, at in s.execute(select(RevocationStatus.cert_key,
                                                    RevocationStatus.checked_at))}
    if entry_ids is not None:
        wanted = set(entry_ids)
        targets = [t for t in targets if t[0] in wanted]
    elif not force:
        targets = [t for t in targets
                   if f"store:{t[0]}" not in last or last[f"store:{t[0]}"] <= now - cfg.interval]
    if not targets:
        return CheckReport(checked=0, good=0, revoked=0, unknown=0, error=0)
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(targets))) as pool:
        answers = list(pool.map(
            lambda t: check_one(t[1], _find_issuer(t[1], trust), cfg, anchors, now), targets))
    counts = {"good": 0, "revoked": 0, "unknown": 0, "error": 0}
    with ctx.transaction() as s:
        for (eid, cert, cn), ans in zip(targets, answers, strict=True):
            key = f"store:{eid}"
            if s.get(StoreEntry, eid) is None:
                continue  # deleted while we asked
            counts[ans.status] += 1
            row = s.get(RevocationStatus, key)
            if row is None:
                row = RevocationStatus(cert_key=key)
                s.add(row)
            row.status, row.source, row.url, row.detail = (ans.status, ans.source, ans.url,
                                                           ans.detail[:4000])
            row.checked_at, row.revoked_at = ctx.clock.now(), ans.revoked_at
            row.extra = {"this_update": ans.this_update.isoformat() if ans.this_update else None,
                         "next_update": ans.next_update.isoformat() if ans.next_update else None,
                         "reason": ans.reason, "serial": format(cert.serial_number, "x")}
            label = f"{cn} (serial {cert.serial_number:x})"
            if ans.status == "revoked":
                raise_alarm(s, ctx, name="CertificateRevoked", object=key,
                            message=f"{label} is revoked since {ans.revoked_at:%Y-%m-%d %H:%M}"
                                    f" UTC ({ans.source} {ans.url})")
            else:
                clear_alarm(s, ctx, name="CertificateRevoked", object=key)
            if ans.status == "error":
                raise_alarm(s, ctx, name="RevocationCheckFailed", object=key,
                            message=f"revocation check of {label} failed: {ans.detail}")
            else:
                clear_alarm(s, ctx, name="RevocationCheckFailed", object=key)
    return CheckReport(checked=sum(counts.values()), good=counts["good"],
                       revoked=counts["revoked"], unknown=counts["unknown"],
                       error=counts["error"])


def revocation_status_of(ctx: AppContext, entry_id: int) -> StatusView:
    with ctx.read() as s:
        row = s.get(RevocationStatus, f"store:{entry_id}")
        if row is None:
            raise NotFound("revocation status of entry", entry_id)
        return _view(row)


def list_revocation_statuses(ctx: AppContext) -> list[StatusView]:
    with ctx.read() as s:
        return [_view(r) for r in s.scalars(select(RevocationStatus)
                                            .order_by(RevocationStatus.cert_key))]
