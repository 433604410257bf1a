"""Sealing private keys into the database and opening them again."""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.hazmat.primitives.serialization import load_der_private_key
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from certyard.db.models import PrivateKey, StoreEntry
from certyard.sealing import MasterKey
from certyard.x509 import key_description, private_key_der, public_sha256

__all__ = ["open_private_key", "release_keys", "seal_private_key"]


def seal_private_key(
    session: Session, master: MasterKey, key: CertificateIssuerPrivateKeyTypes, *,
    now: dt.datetime,
) -> PrivateKey:
    pub = public_sha256(key.public_key())
    key_type, size = key_description(key.public_key())
    row = PrivateKey(
        key_type=key_type, key_size=size, public_sha256=pub, created_at=now,
        sealed=master.seal(private_key_der(key), aad=pub.encode()),
    )
    session.add(row)
    session.flush()
    return row


def open_private_key(master: MasterKey, row: PrivateKey) -> CertificateIssuerPrivateKeyTypes:
    der = master.open(row.sealed, aad=row.public_sha256.encode())
    return load_der_private_key(der, password=None)  # type: ignore[return-value]


def release_keys(session: Session, key_ids: set[int | None]) -> int:
    """Delete the given keys when no store entry refers to them any more (after a
    replacement or delete). Keys owned by other rooms are never touched."""
    ids = {k for k in key_ids if k is not None}
    if not ids:
        return 0
    session.flush()
    still_used = set(session.scalars(
        select(StoreEntry.private_key_id).where(StoreEntry.private_key_id.in_(ids))))
    gone = ids - still_used
    if gone:
        session.execute(delete(PrivateKey).where(PrivateKey.id.in_(gone)))
    return len(gone)
