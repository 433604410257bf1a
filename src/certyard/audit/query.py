"""Reading the audit trail: filtered listing, export (CSV/JSON) and chain verification.

Reading is restricted to the Audit Administrator and System Administrator roles
(``ctx.actor.role``); the host administrator's CLI acts as System Administrator.
"""

from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, String, cast, select

from certyard.audit.trail import (
    GENESIS,
    HEAD,
    KEYED_MARKER,
    SCHEME,
    chain_key,
    event_hash,
    fields_of,
    head_is_authentic,
)
from certyard.db.models.audit import AuditEvent
from certyard.db.models.cluster import Setting
from certyard.errors import InvalidInput, PermissionDenied

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["AUDIT_READER_ROLES", "AuditFilter", "AuditRecord", "ChainReport", "export_events",
           "list_events", "require_audit_reader", "verify_chain"]

AUDIT_READER_ROLES = ("Audit Administrator", "System Administrator")
OUTCOMES = ("success", "failure")
EXPORT_FORMATS = ("csv", "json")
MAX_LIMIT = 10_000


def require_audit_reader(ctx: AppContext) -> None:
    role = getattr(getattr(ctx, "actor", None), "role", "")
    if role not in AUDIT_READER_ROLES:
        raise PermissionDenied(
            f"reading the audit trail needs the Audit Administrator or System Administrator "
            f"role (you act as {role or 'no role'})")


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    id: int
    at: dt.datetime
    actor: str
    source: str
    action: str
    target: str
    outcome: str
    details: dict[str, Any]
    hash: str

    @classmethod
    def of(cls, row: AuditEvent) -> AuditRecord:
        return cls(id=row.id, at=row.at, actor=row.actor, source=row.source, action=row.action,
                   target=row.target, outcome=row.outcome, details=dict(row.details or {}),
                   hash=row.hash)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["at"] = self.at.isoformat()
        return d


@dataclass(frozen=True, kw_only=True)
class AuditFilter:
    """What to show; every field optional. ``action`` matches a prefix (``certificate.``)."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 1000

    def __post_init__(self) -> None:
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        for name in ("since", "until"):
            v = getattr(self, name)
            if v is not None and v.tzinfo is None:
                raise InvalidInput(f"{name} must carry a time zone", field=name)
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("since is after until", field="since")

    def apply(self, q: Select[tuple[AuditEvent]]) -> Select[tuple[AuditEvent]]:
        if self.actor:
            q = q.where(AuditEvent.actor == self.actor)
        if self.action:
            q = q.where(AuditEvent.action.startswith(self.action, autoescape=True))
        if self.target:
            q = q.where(AuditEvent.target.contains(self.target, autoescape=True))
        if self.outcome:
            q = q.where(AuditEvent.outcome == self.outcome)
        if self.since:
            q = q.where(AuditEvent.at >= self.since)
        if self.until:
            q = q.where(AuditEvent.at <= self.until)
        return q


def list_events(ctx: AppContext, filt: AuditFilter | None = None) -> list[AuditRecord]:
    """Newest first, at most ``filt.limit`` records."""
    require_audit_reader(ctx)
    filt = filt or AuditFilter()
    with ctx.read() as s:
        q = filt.apply(select(AuditEvent)).order_by(AuditEvent.id.desc()).limit(filt.limit)
        return [AuditRecord.of(r) for r in s.scalars(q)]  # type: ignore[arg-type]


CSV_COLUMNS = ("id", "at", "actor", "source", "action", "target", "outcome", "details", "hash")


def export_events(ctx: AppContext, filt: AuditFilter | None = None, *, fmt: str = "csv") -> str:
    """The filtered records, oldest first, as CSV or JSON text. Exporting is itself audited."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(EXPORT_FORMATS)}", field="format")
    records = list(reversed(list_events(ctx, filt)))
    from certyard.audit.trail import record_event

    with ctx.transaction() as s:
        record_event(s, ctx, action="audit.export", target="audit_trail",
                     details={"format": fmt, "records": len(records)})
    if fmt == "json":
        return json.dumps([r.to_dict() for r in records], indent=2) + "\n"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; a CR in a field is quoted
    w.writerow(CSV_COLUMNS)
    for r in records:
        d = r.to_dict()
        d["details"] = json.dumps(r.details, sort_keys=True)
        w.writerow([_csv_safe(str(d[c])) for c in CSV_COLUMNS])
    return buf.getvalue()


CSV_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(text: str) -> str:
    # A spreadsheet would evaluate a leading =, +, - or @ as a formula; a leading tab or
    # carriage return is dropped by some and the formula behind it evaluated (OWASP).
    return "'" + text if text[:1] in CSV_FORMULA_LEADS else text


@dataclass(frozen=True, kw_only=True)
class ChainReport:
    ok: bool
    checked: int
    problems: list[dict[str, Any]]
    # Each time the trail was (re-)keyed: the new trail's marker, or an upgrade's re-key.
    keyed: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "problems": self.problems,
                "keyed": self.keyed}


def verify_chain(ctx: AppContext) -> ChainReport:
    """Walk the whole trail: an edited record no longer matches its MAC, a removed one
    leaves the next record pointing at a hash that is not its predecessor's; a record
    written or re-chained by someone without the master key matches no MAC."""
    require_audit_reader(ctx)
    problems: list[dict[str, Any]] = []
    checked = 0
    prev_hash, prev_id = GENESIS, 0
    key = chain_key(ctx)
    keyed: list[dict[str, Any]] = []
    with ctx.read() as s:
        # details read as text and parsed here: a record whose JSON was damaged is a
        # tampered record (exit 9), not a crash of the verifier.
        q = select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.source,
                   AuditEvent.action, AuditEvent.target, AuditEvent.outcome,
                   cast(AuditEvent.details, String).label("details_text"),
                   AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.id) \
            .execution_options(yield_per=1000)
        for raw in s.execute(q):
            checked += 1
            try:
                details = json.loads(raw.details_text) if raw.details_text else None
            except ValueError:
                problems.append({"id": raw.id, "problem": "edited",
                                 "message": f"record {raw.id} was edited after it was written "
                                            "(its details are not readable)"})
                prev_hash, prev_id = raw.hash, raw.id
                continue
            row = SimpleNamespace(**{k: getattr(raw, k) for k in (
                "id", "at", "actor", "source", "action", "target", "outcome", "prev_hash",
                "hash")}, details=details)
            if row.action == KEYED_MARKER:
                keyed.append({"id": row.id, "at": row.at.isoformat(),
                              "rekeyed_records": (row.details or {}).get("rekeyed_records"),
                              "legacy_chain_intact": (row.details or {}).get(
                                  "legacy_chain_intact")})
            if row.prev_hash != prev_hash:
                problems.append({"id": row.id, "problem": "removed",
                                 "message": f"record {row.id} does not follow record "
                                            f"{prev_id or '(start)'}: a record before it was "
                                            "removed or replaced"})
            fields = fields_of(row)  # type: ignore[arg-type]  # the same attributes
            if not hmac.compare_digest(event_hash(key, row.prev_hash, fields), row.hash):
                problems.append({"id": row.id, "problem": "edited",
                                 "message": f"record {row.id} was edited after it was written"})
            prev_hash, prev_id = row.hash, row.id
        head_row = s.get(Setting, HEAD)
        head = head_row.value if head_row is not None and isinstance(head_row.value, dict) \
            else None
        if checked and (not head or head.get("scheme") != SCHEME):
            problems.append({"id": None, "problem": "unkeyed",
                             "message": "the trail's head does not name the keyed scheme: it "
                                        "was altered by someone without the master key"})
        if head and head.get("scheme") == SCHEME and (not head_is_authentic(key, head)
                                                      or head.get("tampered")):
            problems.append({"id": head.get("id"), "problem": "head_forged",
                             "message": "the trail's head was rewritten by someone without "
                                        "the master key (records were removed from the end "
                                        "and the head pointed at an older record)"})
        if head and (head.get("id") != prev_id or head.get("hash") != prev_hash):
            problems.append({"id": head.get("id"), "problem": "truncated",
                             "message": f"the newest record was {head.get('id')} but the "
                                        f"trail ends at {prev_id or '(nothing)'}: records "
                                        "were removed from the end"})
    return ChainReport(ok=not problems, checked=checked, problems=problems, keyed=keyed)
