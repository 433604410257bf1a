"""Bulk certificate management: the SFTP server settings (seed 001 Table 5; one row) and
the history of exports and imports. The password is sealed with the master key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from certyard.db.base import Base, UTCDateTime


class BulkSftpSettings(Base):
    __tablename__ = "bulk_sftp_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(128))
    password_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # client private key (PEM)
    directory: Mapped[str] = mapped_column(String(1024))
    known_hosts: Mapped[str] = mapped_column(Text, default="")  # OpenSSH known_hosts lines
    host_key_sha256: Mapped[str] = mapped_column(String(128), default="")  # pinned
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BulkOperation(Base):
    __tablename__ = "bulk_operation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # export | import
    scope: Mapped[str] = mapped_column(String(16))  # tomcat | tftp | all
    remote_path: Mapped[str] = mapped_column(String(1024))
    files: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
