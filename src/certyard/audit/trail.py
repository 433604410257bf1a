"""Appending to the audit trail inside the caller's transaction.

Each record's hash covers its content and the previous record's hash, so removing or
editing a record breaks the chain from there on.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certyard.db.models.audit import AuditEvent
from certyard.db.models.cluster import Setting

__all__ = ["GENESIS", "HEAD", "event_hash", "record_event"]

GENESIS = "0" * 64
HEAD = "audit_head"


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record_event(
    session: Session,
    ctx: Any,
    *,
    action: str,
    target: str,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one record. ``ctx`` is the AppContext (actor and clock)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so the chain stays linear with concurrent writers.
        session.execute(select(func.pg_advisory_xact_lock(7426002)))
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    at = ctx.clock.now()
    fields = {
        "at": at.isoformat(),
        "actor": ctx.actor.name,
        "source": ctx.actor.source,
        "action": action,
        "target": target,
        "outcome": outcome,
        "details": details or {},
    }
    event = AuditEvent(
        at=at,
        actor=ctx.actor.name,
        source=ctx.actor.source,
        action=action,
        target=target,
        outcome=outcome,
        details=details or {},
        prev_hash=prev,
        hash=event_hash(prev, fields),
    )
    session.add(event)
    session.flush()
    # The head (newest id and hash) lets verify notice records removed from the end,
    # which the chain alone cannot show.
    head = {"id": event.id, "hash": event.hash}
    row = session.get(Setting, HEAD)
    if row is None:
        session.add(Setting(name=HEAD, value=head, updated_at=at))
    else:
        row.value = head
        row.updated_at = at
    return event
