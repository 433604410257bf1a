"""The whole store as plain values, to prove a refused operation changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from certyard.db.models import Node, PrivateKey, Purpose, Setting, StoreEntry
from certyard.db.models.audit import AuditEvent

__all__ = ["store_snapshot"]


def store_snapshot(ctx: Any) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with ctx.read() as s:
        for model in (Node, Purpose, PrivateKey, StoreEntry, Setting, AuditEvent):
            cols = [c.key for c in model.__table__.columns]
            rows = s.execute(select(*model.__table__.columns)).all()
            out[model.__tablename__] = sorted(
                (tuple(getattr(r, c) for c in cols) for r in rows), key=repr)
    return out
