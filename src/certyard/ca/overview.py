"""What the CA is, at a glance (the web UI's CA overview and certificate pages): its
certificates with fingerprints, CRL numbers and next updates, the OCSP signer, issued and
revoked counts, the URLs it writes into certificates; and one issued certificate with its
chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from certyard.ca.authority import ca_certificate, ca_chain
from certyard.ca.config import load_settings
from certyard.ca.crl import parse_serial
from certyard.ca.issue import IssuedView
from certyard.db.models.ca import CaCertificate, CaIssued
from certyard.errors import NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["CaCertificateView", "CaOverview", "ca_overview", "issued_with_chain"]


@dataclass(frozen=True, kw_only=True)
class CaCertificateView:
    id: int
    role: str
    active: bool
    subject: str
    serial: str
    fingerprint_sha256: str
    not_after: dt.datetime
    crl_number: int
    crl_this_update: dt.datetime | None
    crl_next_update: dt.datetime | None
    has_key: bool


@dataclass(frozen=True, kw_only=True)
class CaOverview:
    certificates: list[CaCertificateView]
    issuing_id: int
    ocsp_signer: str  # "the issuing CA itself" or the responder's subject and validity
    counts: dict[str, int] = field(default_factory=dict)  # good / revoked / hold / total
    urls: dict[str, str] = field(default_factory=dict)
    base_url: str = ""


def _view(row: CaCertificate) -> CaCertificateView:
    return CaCertificateView(
        id=row.id, role=row.role, active=row.active, subject=row.subject, serial=row.serial,
        fingerprint_sha256=row.fingerprint_sha256, not_after=row.not_after,
        crl_number=row.crl_number, crl_this_update=row.crl_this_update,
        crl_next_update=row.crl_next_update, has_key=row.private_key_id is not None)


def ca_overview(ctx: AppContext) -> CaOverview:
    from certyard.ca.build import Urls

    with ctx.read() as s:
        chain = ca_chain(s)  # raises NotInitialised without a CA
        issuing = chain[0]
        rows = list(s.scalars(select(CaCertificate).where(
            CaCertificate.role != "ocsp-signer").order_by(CaCertificate.id)))
        settings = load_settings(s)
        signer = s.scalar(select(CaCertificate).where(
            CaCertificate.role == "ocsp-signer", CaCertificate.parent_id == issuing.id,
            CaCertificate.active.is_(True)).order_by(CaCertificate.id.desc()).limit(1))
        if settings.ocsp_delegated and signer is not None:
            ocsp = (f"delegated responder {signer.subject}, valid to "
                    f"{signer.not_after:%Y-%m-%d %H:%M} UTC")
        elif settings.ocsp_delegated:
            ocsp = "delegated responder (not issued yet; the issuing CA signs meanwhile)"
        else:
            ocsp = f"the issuing CA itself ({issuing.subject})"
        counts = {status: n for status, n in s.execute(
            select(CaIssued.status, func.count()).group_by(CaIssued.status))}
        counts["total"] = sum(counts.values())
        u = Urls(settings.url, issuing.id)
        return CaOverview(
            certificates=[_view(r) for r in rows], issuing_id=issuing.id, ocsp_signer=ocsp,
            counts=counts, base_url=settings.url,
            urls={"CRL distribution point": u.crl, "OCSP (AIA)": u.ocsp,
                  "CA issuers (AIA)": u.ca_issuers})


def issued_with_chain(ctx: AppContext, serial: str) -> tuple[IssuedView, list[CaCertificateView],
                                                     str]:
    """An issued certificate, the CA certificates above it (issuer first) and the full
    chain as PEM (leaf first)."""
    key = parse_serial(serial)
    with ctx.read() as s:
        row = s.scalar(select(CaIssued).where(CaIssued.serial == key))
        if row is None:
            raise NotFound("certificate with serial", key)
        view = IssuedView.of(row)
        above: list[CaCertificate] = []
        ca_row: CaCertificate | None = s.get(CaCertificate, row.issuer_id)
        while ca_row is not None and len(above) < 8:
            above.append(ca_row)
            ca_row = s.get(CaCertificate, ca_row.parent_id) if ca_row.parent_id else None
        pem = view.pem + "".join(
            ca_certificate(c).public_bytes(Encoding.PEM).decode() for c in above)
    return view, [_view(c) for c in above], pem


