"""Cluster distribution: enrollment tokens, agent credentials and status reports, the
published trust-list versions, and declared secured connections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from certyard.db.base import Base, UTCDateTime


class AgentEnrollToken(Base):
    """A one-time enrollment token (the seed's CAPF "authentication string"). Only its
    SHA-256 is stored; ``used_at`` makes it one-time."""

    __tablename__ = "agent_enroll_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("node.id", ondelete="CASCADE"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AgentCredential(Base):
    """An agent client certificate the CA issued to a node; the sync endpoint maps the
    presented certificate's fingerprint to its node through this table."""

    __tablename__ = "agent_credential"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("node.id", ondelete="CASCADE"), index=True)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    serial: Mapped[str] = mapped_column(String(64))
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Who minted the token it enrolled with (or "open enrollment"); carried over on renewal.
    enrolled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AgentStatus(Base):
    """The last report of a node's agent: what it installed, when, and any failure."""

    __tablename__ = "agent_status"

    node_id: Mapped[int] = mapped_column(ForeignKey("node.id", ondelete="CASCADE"),
                                         primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[dict[str, Any]] = mapped_column(JSON)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TrustListVersion(Base):
    """One published signed trust list (CMS SignedData, DER); the newest is served."""

    __tablename__ = "trust_list_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest_sha256: Mapped[str] = mapped_column(String(64))
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    der: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SecuredConnection(Base):
    """Client service (purpose) on one node -> server service on another (seed 004)."""

    __tablename__ = "secured_connection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    client_node_id: Mapped[int] = mapped_column(ForeignKey("node.id", ondelete="CASCADE"))
    client_purpose: Mapped[str] = mapped_column(ForeignKey("purpose.name"))
    server_node_id: Mapped[int] = mapped_column(ForeignKey("node.id", ondelete="CASCADE"))
    server_purpose: Mapped[str] = mapped_column(ForeignKey("purpose.name"))
    mode: Mapped[str] = mapped_column(String(8))  # one-way | mutual
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
