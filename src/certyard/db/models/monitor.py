"""Monitoring tables: alarms, expiry notices, the e-mail outbox, revocation status and the
job leases that let several replicas share one schedule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from certyard.db.base import Base, UTCDateTime


class Alarm(Base):
    """One alarm per (name, object): raising it again bumps ``count`` and ``last_seen``;
    clearing keeps the row so the log shows the history. ``last_notified_at`` throttles
    e-mail alerts to one per hour per alarm and object."""

    __tablename__ = "alarm"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=1)
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("name", "object", name="uq_alarm_name_object"),
        Index("ix_alarm_last_seen", "last_seen"),
    )


class ExpiryNotice(Base):
    """The de-duplication key of expiry notices: one row per certificate per notification
    period. The unique constraint is what keeps replicas and restarts from sending twice."""

    __tablename__ = "expiry_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cert_key: Mapped[str] = mapped_column(String(120))
    period: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("cert_key", "period", name="uq_expiry_notice_cert_key"),
        Index("ix_expiry_notice_period", "period"),
    )


class OutboxMessage(Base):
    """An e-mail waiting for (or done with) delivery; survives restarts."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)


class RevocationStatus(Base):
    """The last revocation check of one certificate (good | revoked | unknown | error)."""

    __tablename__ = "revocation_status"

    cert_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # ocsp | crl | none
    url: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JobLease(Base):
    """Who runs a background job now, until when; a dead holder's lease simply expires."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    lease_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
