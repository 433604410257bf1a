"""Partitioned CRLs (RFC 5280 5.2.5): with ``crl_shards`` = N, each certificate issued is
given shard ``serial mod N`` (stored on its row), its CRL distribution point names
``<base>/ca/<CA id>/crl/<shard>``, and each shard's CRL lists only that shard's revoked
certificates and carries a critical Issuing Distribution Point naming the same URL, so a
relying party downloads a small CRL and can tell it covers the certificate. Each shard has
its own CRL number sequence.

A revocation re-signs only its shard's CRL (in its transaction) and marks the CA's full
CRL due, so the full CRL (still served at ``/ca/<id>.crl`` for small deployments and
certificates issued before partitioning) is rebuilt on its next request or by the refresh
job instead of on every revocation.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cryptography import x509
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from certyard.ca.authority import ca_certificate, open_ca_key
from certyard.ca.build import crl_url
from certyard.ca.config import load_settings
from certyard.db.models.ca import CaCertificate, CaCrlShard, CaIssued
from certyard.errors import NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["current_shard_crl", "regenerate_shard", "shard_point"]


def shard_point(url: str) -> x509.IssuingDistributionPoint:
    return x509.IssuingDistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)], relative_name=None,
        only_contains_user_certs=False, only_contains_ca_certs=False, only_some_reasons=None,
        indirect_crl=False, only_contains_attribute_certs=False)


def _locked_shard(s: Session, ca_id: int, shard: int) -> CaCrlShard:
    row = s.scalar(select(CaCrlShard).where(CaCrlShard.ca_id == ca_id, CaCrlShard.shard == shard)
                   .with_for_update().execution_options(populate_existing=True))
    if row is None:
        row = CaCrlShard(ca_id=ca_id, shard=shard, crl_number=0)
        s.add(row)
        s.flush()
    return row


def regenerate_shard(ctx: AppContext, s: Session, ca: CaCertificate, shard: int, *,
                     now: dt.datetime) -> bytes:
    """Sign shard ``shard``'s CRL of ``ca`` inside the caller's transaction."""
    from certyard.ca.crl import generate_crl

    row = _locked_shard(s, ca.id, shard)
    days = load_settings(s).crl_days
    revoked: list[Any] = [tuple(r) for r in s.connection().execute(
        select(CaIssued.serial, type_coerce(CaIssued.revoked_at, String),
               CaIssued.revocation_reason).where(
            CaIssued.issuer_id == ca.id, CaIssued.crl_shard == shard,
            CaIssued.status.in_(("revoked", "hold"))))]
    row.crl_number = (row.crl_number or 0) + 1
    row.crl_der = generate_crl(
        issuer=ca_certificate(ca), key=open_ca_key(ctx, s, ca), number=row.crl_number,
        now=now, next_update=now + dt.timedelta(days=days), revoked=revoked,
        distribution_point=shard_point(crl_url(load_settings(s).url, ca.id, shard)))
    row.this_update, row.next_update = now, now + dt.timedelta(days=days)
    s.flush()
    return row.crl_der


def _due(row: CaCrlShard | None, now: dt.datetime) -> bool:
    if row is None or row.crl_der is None or row.this_update is None or row.next_update is None:
        return True
    return now >= row.this_update + (row.next_update - row.this_update) / 2


def current_shard_crl(ctx: AppContext, *, ca_id: int, shard: int) -> bytes:
    """Shard ``shard``'s CRL (DER) of CA ``ca_id``; signed first when missing or due."""
    now = ctx.clock.now()
    with ctx.read() as s:
        ca = s.get(CaCertificate, ca_id)
        shards = load_settings(s).crl_shards
        if ca is None or ca.private_key_id is None or ca.role == "ocsp-signer":
            raise NotFound("CRL", ca_id)
        # A shard exists when partitioning is on, or when certificates still name it.
        if not 0 <= shard < max(shards, 1) and s.scalar(select(CaIssued.id).where(
                CaIssued.issuer_id == ca_id, CaIssued.crl_shard == shard).limit(1)) is None:
            raise NotFound("CRL shard", shard)
        row = s.scalar(select(CaCrlShard).where(CaCrlShard.ca_id == ca_id,
                                                CaCrlShard.shard == shard))
        if not _due(row, now):
            return row.crl_der  # type: ignore[union-attr, return-value]
    with ctx.transaction() as s:
        row = s.scalar(select(CaCrlShard).where(CaCrlShard.ca_id == ca_id,
                                                CaCrlShard.shard == shard))
        if not _due(row, now):
            return row.crl_der  # type: ignore[union-attr, return-value]
        ca = s.get(CaCertificate, ca_id)
        assert ca is not None
        return regenerate_shard(ctx, s, ca, shard, now=now)


def refresh_shards(ctx: AppContext, s: Session, ca: CaCertificate, *, now: dt.datetime) -> int:
    """Job part: re-sign the CA's shard CRLs that are due. Returns how many."""
    count = 0
    for row in s.scalars(select(CaCrlShard).where(CaCrlShard.ca_id == ca.id)):
        if _due(row, now):
            regenerate_shard(ctx, s, ca, row.shard, now=now)
            count += 1
    return count
