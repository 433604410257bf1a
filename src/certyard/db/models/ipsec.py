"""IPsec policies (seed 001 Table 4). The pre-shared key is sealed with the master key."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from certyard.db.base import Base, UTCDateTime


class IpsecPolicy(Base):
    __tablename__ = "ipsec_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_name: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    auth_method: Mapped[str] = mapped_column(String(16))  # pre-shared-key | certificate
    psk_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    peer_type: Mapped[str] = mapped_column(String(16))  # same | different
    destination_address: Mapped[str] = mapped_column(String(253))
    destination_port: Mapped[int | None] = mapped_column(Integer)
    source_address: Mapped[str] = mapped_column(String(253))
    source_port: Mapped[int | None] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16))
    remote_port: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(String(8))
    encryption_algorithm: Mapped[str] = mapped_column(String(16))
    hash_algorithm: Mapped[str] = mapped_column(String(16))
    esp_algorithm: Mapped[str] = mapped_column(String(16))
    phase1_lifetime: Mapped[int] = mapped_column(Integer)
    phase1_dh: Mapped[int] = mapped_column(Integer)
    phase2_lifetime: Mapped[int] = mapped_column(Integer)
    phase2_dh: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
