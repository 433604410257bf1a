"""Appending to the audit trail inside the caller's transaction.

Each record's hash is an HMAC-SHA256 over its content and the previous record's hash, keyed
with a key derived from the master key (HKDF, purpose ``audit-chain/v1``). The master key is
kept outside the database, so someone who can write the database can neither edit, remove
nor re-chain records without ``audit verify`` noticing: they cannot compute the MACs.

Upgrade from the unkeyed chain (plain SHA-256, before this scheme): the first process that
opens the store with the master key re-keys every existing record in one transaction after
checking their old chain, and appends a marker record ``audit.chain.keyed`` that says how
many records were re-keyed and whether their old chain was intact. A new trail opens with
the same marker (0 records). From then on the head (``Setting("audit_head")``) names the
scheme, verify accepts only keyed records, and a trail holding a marker is never re-keyed
again, so stripping the scheme from the head does not get a rewrite blessed. The residual
risk (someone deleting every marker too and rewriting the whole trail in the old format) is
in docs/security.md: verify lists each re-key with its date, and remote syslog holds the
records as they were written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from certyard.db.ids import reserve_ids
from certyard.db.models.audit import AuditEvent
from certyard.db.models.cluster import Setting

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "GENESIS",
    "HEAD",
    "KEYED_MARKER",
    "SCHEME",
    "chain_key",
    "ensure_keyed_chain",
    "event_hash",
    "head_is_authentic",
    "legacy_event_hash",
    "record_event",
    "record_events",
    "serialise_appends",
]

GENESIS = "0" * 64
HEAD = "audit_head"
SCHEME = "hmac-sha256/v1"
KEYED_MARKER = "audit.chain.keyed"
_LOCK = 7426002


def chain_key(ctx: AppContext) -> bytes:
    return ctx.master_key.derive(b"audit-chain/v1")


def _body(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(key: bytes, prev_hash: str, fields: dict[str, Any]) -> str:
    return hmac.new(key, prev_hash.encode() + _body(fields), hashlib.sha256).hexdigest()


def legacy_event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The unkeyed chain of stores written before the keyed scheme (upgrade only)."""
    return hashlib.sha256(prev_hash.encode() + _body(fields)).hexdigest()


def fields_of(row: AuditEvent) -> dict[str, Any]:
    return {"at": row.at.isoformat(), "actor": row.actor, "source": row.source,
            "action": row.action, "target": row.target, "outcome": row.outcome,
            "details": row.details or {}}


def serialise_appends(session: Session) -> None:
    """Take, for the rest of ``session``'s transaction, the lock every appender of the
    chain takes (so the chain stays linear with concurrent writers): on PostgreSQL a
    transaction advisory lock; on SQLite the database's write lock, which a write
    transaction (BEGIN IMMEDIATE) holds from its first statement. A writer that appends
    later in the transaction may take it first, to wait before it decides what to write."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_LOCK)))
    else:
        session.connection()



def head_mac(key: bytes, head: dict[str, Any]) -> str:
    """The head is keyed like the records: someone who can write the database but lacks the
    master key cannot point it at an older record after cutting the tail off."""
    text = f"head|{head.get('id')}|{head.get('hash')}|{bool(head.get('tampered'))}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def head_is_authentic(key: bytes, head: dict[str, Any]) -> bool:
    return hmac.compare_digest(str(head.get("mac", "")), head_mac(key, head))


def _set_head(session: Session, event: AuditEvent, key: bytes) -> None:
    # The head (newest id and hash) lets verify notice records removed from the end,
    # which the chain alone cannot show; it also names the scheme. An append that finds
    # the head forged keeps that fact in the new head ("tampered"), so a later legitimate
    # record cannot hide it.
    row = session.get(Setting, HEAD)
    old = row.value if row is not None and isinstance(row.value, dict) else None
    tampered = bool(old and (old.get("tampered") or (old.get("scheme") == SCHEME
                                                     and not head_is_authentic(key, old))))
    head: dict[str, Any] = {"id": event.id, "hash": event.hash, "scheme": SCHEME}
    if tampered:
        head["tampered"] = True
    head["mac"] = head_mac(key, head)
    if row is None:
        session.add(Setting(name=HEAD, value=head, updated_at=event.at))
    else:
        row.value = head
        row.updated_at = event.at


def _append(session: Session, ctx: AppContext, key: bytes, prev: str, *, action: str, target: str,
            outcome: str, details: dict[str, Any]) -> AuditEvent:
    at = ctx.clock.now()
    fields = {"at": at.isoformat(), "actor": ctx.actor.name, "source": ctx.actor.source,
              "action": action, "target": target, "outcome": outcome, "details": details}
    event = AuditEvent(at=at, actor=ctx.actor.name, source=ctx.actor.source, action=action,
                       target=target, outcome=outcome, details=details, prev_hash=prev,
                       hash=event_hash(key, prev, fields))
    session.add(event)
    session.flush()
    _set_head(session, event, key)
    return event


def _needs_rekey(session: Session) -> bool:
    head = session.get(Setting, HEAD)
    if head is not None and isinstance(head.value, dict) and head.value.get("scheme") == SCHEME:
        return False
    return session.scalar(select(AuditEvent.id).limit(1)) is not None


def _rekey(session: Session, ctx: AppContext) -> None:
    """Re-key every unkeyed record (oldest first), then append the marker."""
    if session.scalar(select(AuditEvent.id).where(AuditEvent.action == KEYED_MARKER)
                      .limit(1)) is not None:
        # Keyed once already: a head without the scheme is tampering, never an upgrade;
        # re-keying now would bless whatever was rewritten. verify reports it.
        return
    key = chain_key(ctx)
    legacy_prev, prev, count, intact, first_bad = GENESIS, GENESIS, 0, True, None
    rows = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    old = {row.id: row.hash for row in rows}
    for row in rows:  # unique hashes: clear them first so re-keyed values cannot collide
        row.hash = f"rekey-{row.id}"
    session.flush()
    for row in rows:
        count += 1
        fields = fields_of(row)
        if intact and (row.prev_hash != legacy_prev
                       or legacy_event_hash(legacy_prev, fields) != old[row.id]):
            intact, first_bad = False, row.id
        legacy_prev = old[row.id]
        row.prev_hash, row.hash = prev, event_hash(key, prev, fields)
        prev = row.hash
    session.flush()
    _marker(session, ctx, key, prev, count=count, intact=intact, first_bad=first_bad,
            legacy_head=legacy_prev)


def _marker(session: Session, ctx: AppContext, key: bytes, prev: str, *, count: int, intact: bool,
            first_bad: int | None, legacy_head: str) -> AuditEvent:
    marker_ctx = ctx.acting_as(replace(ctx.actor, name="certyard", source="local", role=""))
    return _append(session, marker_ctx, key, prev, action=KEYED_MARKER, target="audit_trail",
                   outcome="success" if intact else "failure",
                   details={"rekeyed_records": count, "legacy_chain_intact": intact,
                            "legacy_first_bad_record": first_bad, "legacy_head": legacy_head,
                            "scheme": SCHEME})


def ensure_keyed_chain(ctx: AppContext) -> bool:
    """Re-key a store written with the unkeyed chain (once, on upgrade). True if it did."""
    with ctx.read() as s:
        if not _needs_rekey(s):
            return False
    with ctx.transaction() as s:
        serialise_appends(s)
        if not _needs_rekey(s):
            return False
        _rekey(s, ctx)
    return True


def record_event(
    session: Session,
    ctx: AppContext,
    *,
    action: str,
    target: str,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one record. ``ctx`` is the AppContext (actor, clock and master key)."""
    serialise_appends(session)
    key = chain_key(ctx)
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    if last is None:
        # A new trail opens with the marker, as an upgraded one does: a trail holding a
        # marker is never re-keyed again (see _rekey).
        last = _marker(session, ctx, key, GENESIS, count=0, intact=True, first_bad=None,
                       legacy_head=GENESIS)
    return _append(session, ctx, key, last.hash, action=action, target=target,
                   outcome=outcome, details=details or {})


def record_events(session: Session, items: list[tuple[Any, dict[str, Any]]]) -> None:
    """Append many records at once, in order: one per ``(ctx, fields)`` where fields are
    ``action``, ``target`` and optionally ``outcome`` and ``details`` (each record names
    its own ctx's actor). The same chain as ``record_event`` one by one, written with one
    INSERT and one head update: what group-committed issuance uses."""
    if not items:
        return
    serialise_appends(session)
    key = chain_key(items[0][0])
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    if last is None:
        last = _marker(session, items[0][0], key, GENESIS, count=0, intact=True,
                       first_bad=None, legacy_head=GENESIS)
    prev, rows = last.hash, []
    for ctx, f in items:
        at = ctx.clock.now()
        fields = {"at": at.isoformat(), "actor": ctx.actor.name, "source": ctx.actor.source,
                  "action": f["action"], "target": f["target"],
                  "outcome": f.get("outcome", "success"), "details": f.get("details") or {}}
        digest = event_hash(key, prev, fields)
        rows.append({**fields, "at": at, "prev_hash": prev, "hash": digest})
        prev = digest
    table = cast(Table, AuditEvent.__table__)
    ids = reserve_ids(session, table, len(rows))  # in chain order; the lock above is held
    session.execute(insert(table), [{**r, "id": i} for r, i in zip(rows, ids, strict=True)])
    _set_head(session, SimpleNamespace(id=ids[-1], hash=rows[-1]["hash"],  # type: ignore[arg-type]
                                       at=rows[-1]["at"]), key)
