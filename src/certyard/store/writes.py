"""Writing store rows: one place that knows the slot rules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from certyard.db.models import StoreEntry
from certyard.x509 import CertificateFacts

__all__ = ["put_entry", "slot_for", "trust_fingerprints"]


def slot_for(type: str, purpose: str, *, node_id: int | None, fingerprint: str) -> str:
    if type == "trust":
        return f"trust:{purpose}:{fingerprint}"
    return f"{type}:{purpose}:{node_id}"


def put_entry(
    session: Session,
    *,
    type: str,
    purpose: str,
    node_id: int | None,
    distribution: str,
    facts: CertificateFacts,
    now: dt.datetime,
    private_key_id: int | None = None,
    description: str = "",
    source_node_id: int | None = None,
) -> tuple[StoreEntry, StoreEntry | None]:
    """Insert an entry, replacing what held its slot. Returns (new, replaced-or-None)."""
    slot = slot_for(type, purpose, node_id=node_id, fingerprint=facts.fingerprint_sha256)
    old = session.scalar(select(StoreEntry).where(StoreEntry.slot == slot))
    if old is not None:
        session.execute(delete(StoreEntry).where(StoreEntry.id == old.id))
        session.flush()
    row = StoreEntry(
        slot=slot, type=type, purpose=purpose, node_id=node_id, source_node_id=source_node_id,
        distribution=distribution, common_name=facts.common_name[:256], subject=facts.subject,
        issuer=facts.issuer, serial=facts.serial, not_before=facts.not_before,
        not_after=facts.not_after, key_type=facts.key_type, key_size=facts.key_size,
        signature_hash=facts.signature_hash, self_signed=facts.self_signed,
        fingerprint_sha256=facts.fingerprint_sha256, public_sha256=facts.public_sha256,
        sans=facts.sans, description=description, der=facts.der,
        private_key_id=private_key_id, created_at=now,
    )
    session.add(row)
    session.flush()
    return row, old


def trust_fingerprints(session: Session, purpose: str) -> set[str]:
    return set(session.scalars(select(StoreEntry.fingerprint_sha256).where(
        StoreEntry.type == "trust", StoreEntry.purpose == purpose)))
