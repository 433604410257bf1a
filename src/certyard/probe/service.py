"""Service functions for probes and offline validation: load the trust store and the
configured minimum TLS version from the database, then call the pure checks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cryptography import x509
from sqlalchemy import select

from certyard.audit import record_event
from certyard.db.models import StoreEntry
from certyard.errors import InvalidFile, InvalidInput
from certyard.policy.settings import load_tls
from certyard.probe.check import ProbeReport, check_endpoint
from certyard.probe.tlsclient import STARTTLS
from certyard.probe.verify import VerifyResult, verify_chain
from certyard.store import purpose_from_trust_store
from certyard.x509 import load_certificates

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["probe_endpoint", "revocation_checker", "trust_anchors", "verify_files"]


def revocation_checker(ctx: AppContext, anchors: list[x509.Certificate]) -> Any:
    """The monitor's revocation decision (OCSP, CRL fallback) under its settings, or None
    when the administrator has not enabled revocation checking."""
    from certyard.monitor.revocation import check_one
    from certyard.monitor.settings import get_revocation_settings

    cfg = get_revocation_settings(ctx)
    if not cfg.revocation_check_enabled:
        return None

    def check(leaf: x509.Certificate, issuer: x509.Certificate | None) -> tuple[str, str]:
        answer = check_one(leaf, issuer, cfg, anchors, ctx.clock.now())
        return answer.status, answer.detail

    return check


def trust_anchors(s: Any, trust_store: str) -> list[x509.Certificate]:
    spec = purpose_from_trust_store(s, trust_store)
    ders = s.scalars(select(StoreEntry.der).where(StoreEntry.type == "trust",
                                                  StoreEntry.purpose == spec.name)).all()
    return [x509.load_der_x509_certificate(d) for d in ders]


def _certs(data: bytes | None, what: str) -> list[x509.Certificate]:
    if not data:
        return []
    certs = load_certificates(data)
    if not certs:
        raise InvalidFile(f"the {what} file holds no certificate")
    return certs


def probe_endpoint(
    ctx: AppContext, target: str, *, sni: str | None = None, starttls: str | None = None,
    trust_store: str = "tomcat-trust", untrusted: bytes | None = None,
    timeout: float = 5.0,
) -> ProbeReport:
    """`certyard probe HOST:PORT`: validate against a store's trust certificates and the
    configured minimum TLS version."""
    if starttls is not None and starttls not in STARTTLS:
        raise InvalidInput(f"--starttls must be one of {', '.join(STARTTLS)}", field="starttls")
    with ctx.read() as s:
        anchors = trust_anchors(s, trust_store)
        min_version = load_tls(s)["min_version"]
    report = check_endpoint(target, anchors=anchors, now=ctx.clock.now(),
                            min_version=min_version, sni=sni, starttls=starttls,
                            pool=_certs(untrusted, "untrusted"), timeout=timeout,
                            revocation=revocation_checker(ctx, anchors))
    with ctx.transaction() as s:
        record_event(s, ctx, action="probe.run", target=target,
                     details={"flags": report.flags, "trust_store": trust_store})
    return report


def verify_files(
    ctx: AppContext, cert: bytes, *, untrusted: bytes | None = None, trust_store: str | None = None,
    trusted: bytes | None = None, hostname: str | None = None, at: dt.datetime | None = None,
    purpose: str = "server", max_depth: int | None = None, crls: list[bytes] | None = None,
) -> VerifyResult:
    """`certyard cert verify`: the first certificate of ``cert`` is the leaf; the rest of it
    and ``untrusted`` are candidate intermediates; anchors come from a trust store or a
    file."""
    chain = _certs(cert, "certificate")
    if not chain:
        raise InvalidFile("the certificate file is empty")
    if (trust_store is None) == (trusted is None):
        raise InvalidInput("give exactly one of --trust-store or --trusted", field="trusted")
    if trusted is not None:
        anchors = _certs(trusted, "trusted")
    else:
        with ctx.read() as s:
            anchors = trust_anchors(s, str(trust_store))
        if not anchors:
            raise InvalidInput(f"the trust store {trust_store} is empty", field="trust_store")
    when = at or ctx.clock.now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return verify_chain(chain[0], intermediates=[*chain[1:], *_certs(untrusted, "untrusted")],
                        anchors=anchors, at=when, hostname=hostname, purpose=purpose,
                        max_depth=max_depth, strict=True,
                        crls=[c for data in crls or [] for c in _crls(data)])


def _crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """One CRL, PEM (several may follow one another) or DER."""
    try:
        if b"-----BEGIN X509 CRL-----" in data:
            return [x509.load_pem_x509_crl(b"-----BEGIN X509 CRL-----" + part)
                    for part in data.split(b"-----BEGIN X509 CRL-----")[1:]]
        return [x509.load_der_x509_crl(data)]
    except ValueError:
        raise InvalidFile("the --crl file is not a CRL in PEM or DER") from None
