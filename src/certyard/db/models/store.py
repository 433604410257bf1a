"""Purposes, private keys, and the certificate store (identity, trust and CSR entries)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from certyard.db.base import Base, UTCDateTime


class Purpose(Base):
    __tablename__ = "purpose"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_type: Mapped[str] = mapped_column(String(8))  # RSA | EC
    key_lengths: Mapped[list[int]] = mapped_column(JSON)
    default_key_length: Mapped[int] = mapped_column(Integer)
    hashes: Mapped[list[str]] = mapped_column(JSON)
    default_hash: Mapped[str] = mapped_column(String(16))
    multi_server: Mapped[bool] = mapped_column(Boolean, default=False)
    services: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text, default="")


class PrivateKey(Base):
    """A private key sealed with the master key; AAD is the public key fingerprint."""

    __tablename__ = "private_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_type: Mapped[str] = mapped_column(String(8))
    key_size: Mapped[int] = mapped_column(Integer)
    public_sha256: Mapped[str] = mapped_column(String(64), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StoreEntry(Base):
    """One row of the Certificate List: an identity certificate, a trust certificate or a
    CSR ("CSR Only"). Identity and CSR rows belong to one node (a multi-server one has a row
    on every node, sharing DER and key); trust rows have no node: every node holds them.

    ``slot`` makes the store's uniqueness rules one constraint: one identity and one CSR per
    (purpose, node), and one trust entry per (trust store, fingerprint).
    """

    __tablename__ = "store_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(16))  # identity | trust | csr
    purpose: Mapped[str] = mapped_column(ForeignKey("purpose.name"))
    node_id: Mapped[int | None] = mapped_column(ForeignKey("node.id", ondelete="CASCADE"))
    source_node_id: Mapped[int | None] = mapped_column(
        ForeignKey("node.id", ondelete="SET NULL")
    )
    distribution: Mapped[str] = mapped_column(String(16))  # single | multi-server | all
    common_name: Mapped[str] = mapped_column(String(256))
    subject: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    serial: Mapped[str | None] = mapped_column(String(64))
    not_before: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    not_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    key_type: Mapped[str] = mapped_column(String(8))
    key_size: Mapped[int] = mapped_column(Integer)
    signature_hash: Mapped[str | None] = mapped_column(String(16))
    self_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), index=True)
    public_sha256: Mapped[str] = mapped_column(String(64))
    sans: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text, default="")
    der: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("private_key.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_store_entry_not_after", "not_after"),
        Index("ix_store_entry_purpose_type", "purpose", "type"),
        Index("ix_store_entry_node", "node_id"),
        Index("ix_store_entry_cn", "common_name"),
    )
