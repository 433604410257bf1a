"""Nodes of the cluster and the cluster-wide settings table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from certyard.db.base import Base, UTCDateTime


class Node(Base):
    __tablename__ = "node"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    fqdn: Mapped[str] = mapped_column(String(253), unique=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    is_publisher: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Setting(Base):
    """One JSON document per settings group (``cluster``, ``monitor``, ``tls`` ...)."""

    __tablename__ = "setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
