"""The ACME server (RFC 8555): directory profiles, External Account Binding keys, accounts,
nonces, orders, authorizations and challenges. Public ids in URLs are random strings
(``rid``), never the row numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from certyard.db.base import Base, UTCDateTime


class AcmeProfile(Base):
    """One ACME directory (``/acme/<name>/directory``) and the policy it applies."""

    __tablename__ = "acme_profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    allowed_suffixes: Mapped[list[str]] = mapped_column(JSON)
    allowed_names: Mapped[list[str]] = mapped_column(JSON)
    allowed_networks: Mapped[list[str]] = mapped_column(JSON)
    allow_wildcards: Mapped[bool] = mapped_column(Boolean, default=False)
    cert_profile: Mapped[str] = mapped_column(String(32))
    days: Mapped[int] = mapped_column(Integer)
    eab_required: Mapped[bool] = mapped_column(Boolean, default=False)
    orders_per_hour: Mapped[int] = mapped_column(Integer, default=0)  # per account; 0: no limit
    approval: Mapped[str] = mapped_column(String(16), default="none")  # none|required
    auto_approve_nodes: Mapped[bool] = mapped_column(Boolean, default=False)
    terms_url: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AcmeEabKey(Base):
    """An HMAC key for External Account Binding, bound to a profile. The key is sealed under
    the master key (it must be usable to verify a MAC); it is shown once, on creation."""

    __tablename__ = "acme_eab_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("acme_profile.id", ondelete="CASCADE"),
                                            index=True)
    hmac_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    account_id: Mapped[int | None] = mapped_column(Integer)  # the account it bound, once used


class AcmeAccount(Base):
    __tablename__ = "acme_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rid: Mapped[str] = mapped_column(String(32), unique=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("acme_profile.id", ondelete="CASCADE"),
                                            index=True)
    thumbprint: Mapped[str] = mapped_column(String(64), index=True)
    jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    contact: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # valid|deactivated|revoked
    tos_agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    eab_kid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("profile_id", "thumbprint",
                                       name="uq_acme_account_profile_thumbprint"),)


class AcmeNonce(Base):
    """Issued anti-replay nonces: consumed by deleting the row, so a nonce works on any
    replica and works once."""

    __tablename__ = "acme_nonce"

    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class AcmeOrder(Base):
    __tablename__ = "acme_order"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rid: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("acme_account.id", ondelete="CASCADE"),
                                            index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending|ready|processing|valid|invalid
    identifiers: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[int | None] = mapped_column(Integer)  # the CA request, once finalized
    serial: Mapped[str | None] = mapped_column(String(64), index=True)
    replaces: Mapped[str | None] = mapped_column(String(200))  # ARI certificate id
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AcmeAuthz(Base):
    __tablename__ = "acme_authz"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rid: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("acme_order.id", ondelete="CASCADE"),
                                          index=True)
    identifier_type: Mapped[str] = mapped_column(String(8))  # dns|ip
    identifier_value: Mapped[str] = mapped_column(String(253))
    wildcard: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # pending|valid|invalid|deactivated|...
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AcmeChallenge(Base):
    __tablename__ = "acme_challenge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rid: Mapped[str] = mapped_column(String(32), unique=True)
    authz_id: Mapped[int] = mapped_column(ForeignKey("acme_authz.id", ondelete="CASCADE"),
                                          index=True)
    type: Mapped[str] = mapped_column(String(16))  # http-01|dns-01|tls-alpn-01
    token: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending|processing|valid|invalid
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the last attempt
    validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
