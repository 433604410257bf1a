"""The built-in certificate authority: its CA certificates, requests (the pending queue),
issued certificates with their revocation state and cached OCSP responses, and CRLs."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from certyard.db.base import Base, UTCDateTime


class CaCertificate(Base):
    """A CA this server signs with: the root and (by default) one issuing intermediate.
    ``role`` is root | issuing | root+issuing (a root that signs leaves itself)."""

    __tablename__ = "ca_certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ca_certificate.id"))
    subject: Mapped[str] = mapped_column(Text)
    serial: Mapped[str] = mapped_column(String(64))
    fingerprint_sha256: Mapped[str] = mapped_column(String(64))
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    # None for an imported CA certificate of which we hold no key (an external root).
    private_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("private_key.id", ondelete="RESTRICT"))
    crl_number: Mapped[int] = mapped_column(Integer, default=0)
    crl_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    crl_this_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    crl_next_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CaRequest(Base):
    """A certificate request: pending until an administrator issues or denies it.
    ``pending_key`` is the CSR's public-key hash while pending and NULL afterwards, so the
    unique constraint refuses a second pending request for the same key."""

    __tablename__ = "ca_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending|issued|denied
    pending_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    csr_der: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(Text)
    sans: Mapped[list[str]] = mapped_column(JSON)
    key_type: Mapped[str] = mapped_column(String(8))
    key_size: Mapped[int] = mapped_column(Integer)
    public_sha256: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(32))
    requester: Mapped[str] = mapped_column(String(200))
    # Set when the CSR came from a node's store (sign-pending): issuing installs it there.
    purpose: Mapped[str | None] = mapped_column(String(64))
    node_id: Mapped[int | None] = mapped_column(ForeignKey("node.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    serial: Mapped[str | None] = mapped_column(String(64))


class CaIssued(Base):
    """Every certificate the CA signed, its revocation state and its cached OCSP answer."""

    __tablename__ = "ca_issued"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)  # lower-case hex
    issuer_id: Mapped[int] = mapped_column(ForeignKey("ca_certificate.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("ca_request.id"))
    profile: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)
    sans: Mapped[list[str]] = mapped_column(JSON)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="good")  # good|revoked|hold
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    ocsp_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    ocsp_next_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When ocsp_der was last written or dropped: OCSP fast-path workers poll for rows
    # changed since their last look (ca/ocsp_fast.py).
    ocsp_signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The CRL partition the certificate's CDP names (None: the CA's full CRL only).
    crl_shard: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_ca_issued_issuer_status", "issuer_id", "status"),
        Index("ix_ca_issued_ocsp_signed_at", "ocsp_signed_at"),
        Index("ix_ca_issued_issuer_shard_status", "issuer_id", "crl_shard", "status",
              "serial", "revoked_at", "revocation_reason"),
    )


class CaCrlShard(Base):
    """One CRL partition of a CA (RFC 5280 5.2.5 Issuing Distribution Point): its own CRL
    number sequence and its latest signed CRL."""

    __tablename__ = "ca_crl_shard"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ca_id: Mapped[int] = mapped_column(ForeignKey("ca_certificate.id"))
    shard: Mapped[int] = mapped_column(Integer)
    crl_number: Mapped[int] = mapped_column(Integer, default=0)
    crl_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    this_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("ca_id", "shard"),)


class CaCrlDelta(Base):
    """The delta CRL state of a CA (RFC 5280 5.2.4): the number of the base (full) CRL the
    delta refers to, the changes since that base (``changes``: serial -> [revocation date
    ISO 8601, reason name or ``removeFromCRL``]) and the latest signed delta CRL. Its CRL
    number comes from the CA's own sequence (``CaCertificate.crl_number``)."""

    __tablename__ = "ca_crl_delta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ca_id: Mapped[int] = mapped_column(ForeignKey("ca_certificate.id"), unique=True)
    base_number: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    crl_number: Mapped[int | None] = mapped_column(Integer)
    crl_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    this_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
