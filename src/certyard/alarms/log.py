"""The persistent alarm log.

An alarm is identified by (name, object). Raising it again updates ``last_seen`` and
``count`` and re-opens it if it was cleared. E-mail alerts are throttled to one per hour
per alarm and object (seed: "not more than one alarm and one alert are sent per hour"),
and go to the recipients of the alert action configured for that alarm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import CursorResult, Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certyard.alarms.alerts import load_alert_actions, queue_alarm_alert
from certyard.audit import record_event
from certyard.db.models.monitor import Alarm
from certyard.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "ALARM_NAMES", "SEVERITIES", "AlarmView", "RaiseResult", "alarm_counts", "clear_alarm",
    "clear_alarm_by_id", "clear_alarms_bulk", "get_alarm", "list_alarms", "raise_alarm",
    "raise_alarms_bulk",
]

SEVERITIES = ("Emergency", "Alert", "Critical", "Error", "Warning", "Notice",
              "Informational")
# Known alarms and their default severity; other rooms may raise names not listed here.
ALARM_NAMES = {
    "CertificateExpiring": "Warning",
    "CertificateExpired": "Critical",
    "CertificateRevoked": "Critical",
    "RevocationCheckFailed": "Error",
    "EmailDeliveryFailed": "Error",
    "TCPRemoteSyslogDeliveryFailed": "Error",
    "ServedCertificateRevoked": "Critical",
    "ServedCertificateExpired": "Critical",
}
THROTTLE = dt.timedelta(hours=1)


@dataclass(frozen=True, kw_only=True)
class AlarmView:
    id: int
    name: str
    object: str
    severity: str
    message: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    count: int
    cleared: bool
    cleared_at: dt.datetime | None

    @classmethod
    def of(cls, row: Alarm) -> AlarmView:
        return cls(id=row.id, name=row.name, object=row.object, severity=row.severity,
                   message=row.message, first_seen=row.first_seen, last_seen=row.last_seen,
                   count=row.count, cleared=row.cleared, cleared_at=row.cleared_at)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("first_seen", "last_seen", "cleared_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


@dataclass(frozen=True, kw_only=True)
class RaiseResult:
    alarm: AlarmView
    notified: bool  # an alert e-mail was queued for this raise (not throttled)

    def to_dict(self) -> dict[str, Any]:
        return {"alarm": self.alarm.to_dict(), "notified": self.notified}


def _check(name: str, obj: str, severity: str) -> None:
    if not name or len(name) > 64 or not name.replace("_", "").isalnum():
        raise InvalidInput(f"alarm name {name!r} is not valid", field="name")
    if not obj or len(obj) > 300:
        raise InvalidInput("alarm object must be 1 to 300 characters", field="object")
    if severity not in SEVERITIES:
        raise InvalidInput(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}",
                           field="severity")


def raise_alarm(s: Session, ctx: AppContext, *, name: str, object: str,
                severity: str | None = None, message: str = "") -> RaiseResult:
    """Record an occurrence inside the caller's transaction and, at most once per hour per
    (name, object), queue an e-mail alert to the alarm's alert action recipients."""
    severity = severity or ALARM_NAMES.get(name, "Error")
    _check(name, object, severity)
    now = ctx.clock.now()
    row = s.scalars(select(Alarm).where(Alarm.name == name, Alarm.object == object)
                    .with_for_update()).first()
    if row is None:
        try:
            with s.begin_nested():
                row = Alarm(name=name, object=object, severity=severity, message=message,
                            first_seen=now, last_seen=now, count=1, cleared=False)
                s.add(row)
                s.flush()
        except IntegrityError:  # another replica inserted it first
            row = s.scalars(select(Alarm).where(Alarm.name == name, Alarm.object == object)
                            .with_for_update()).one()
            row.count += 1
    else:
        row.count += 1
    if row.cleared:
        row.cleared = False
        row.cleared_at = None
        row.first_seen = now
        row.count = 1
    row.last_seen = max(row.last_seen, now)
    row.severity = severity
    row.message = message
    notified = False
    if row.last_notified_at is None or now - row.last_notified_at >= THROTTLE:
        notified = queue_alarm_alert(s, ctx, name=name, object=object, severity=severity,
                                     message=message)
        if notified:
            row.last_notified_at = now
    s.flush()
    return RaiseResult(alarm=AlarmView.of(row), notified=notified)


def raise_alarms_bulk(s: Session, ctx: AppContext, *, name: str, items: dict[str, str],
                      severity: str | None = None) -> int:
    """raise_alarm for many objects of one alarm (object -> message) in a few statements
    (Core executemany, no ORM objects); used by scans that may touch thousands of
    certificates. Returns the number of alert e-mails queued."""
    if not items:
        return 0
    severity = severity or ALARM_NAMES.get(name, "Error")
    _check(name, next(iter(items)), severity)
    from sqlalchemy import insert, update

    alerting = bool(load_alert_actions(s).recipients_for(name))
    now = ctx.clock.now()
    existing: dict[str, tuple[int, bool, dt.datetime | None]] = {}
    t: Table = Alarm.__table__  # type: ignore[assignment]
    if len(items) > 200:
        # One read of this alarm's rows (about as many as the scan's window) beats many
        # IN lists, which the planner may answer with repeated scans.
        q = select(t.c.id, t.c.object, t.c.cleared, t.c.last_notified_at).where(
            t.c.name == name)
        for aid, obj, cleared, notified in s.execute(q):
            if obj in items:
                existing[obj] = (aid, bool(cleared), notified)
    else:
        for aid, obj, cleared, notified in s.execute(
                select(t.c.id, t.c.object, t.c.cleared, t.c.last_notified_at)
                .where(t.c.name == name, t.c.object.in_(list(items)))):
            existing[obj] = (aid, bool(cleared), notified)
    alerts: set[str] = set()
    if alerting:
        for obj, message in items.items():
            last = existing.get(obj, (0, False, None))[2]
            if (last is None or now - last >= THROTTLE) and queue_alarm_alert(
                    s, ctx, name=name, object=obj, severity=severity, message=message):
                alerts.add(obj)
    new = [{"name": name, "object": o, "severity": severity, "message": m, "first_seen": now,
            "last_seen": now, "count": 1, "cleared": False, "cleared_at": None,
            "last_notified_at": now if o in alerts else None}
           for o, m in items.items() if o not in existing]
    # Existing rows change in one UPDATE per 500 ids (not one per row): count, last seen,
    # re-opened if cleared. Their message stays (a scan's message for an object is stable).
    reopen = [existing[o][0] for o in items if o in existing and existing[o][1]]
    bump = [existing[o][0] for o in items if o in existing and not existing[o][1]]
    notified = [existing[o][0] for o in alerts if o in existing]
    try:
        with s.begin_nested():
            if new:
                s.execute(insert(t), new)
            for i in range(0, len(reopen), 500):
                s.execute(update(t).where(t.c.id.in_(reopen[i:i + 500])).values(
                    cleared=False, cleared_at=None, first_seen=now, count=1, last_seen=now,
                    severity=severity))
            for i in range(0, len(bump), 500):
                s.execute(update(t).where(t.c.id.in_(bump[i:i + 500])).values(
                    count=t.c.count + 1, last_seen=now, severity=severity))
            for i in range(0, len(notified), 500):
                s.execute(update(t).where(t.c.id.in_(notified[i:i + 500]))
                          .values(last_notified_at=now))
    except IntegrityError:  # a concurrent replica inserted some: do them one by one
        return sum(raise_alarm(s, ctx, name=name, object=o, severity=severity,
                               message=m).notified for o, m in items.items())
    return len(alerts)


def clear_alarms_bulk(s: Session, ctx: AppContext, *, name: str, objects: list[str]) -> int:
    from sqlalchemy import update

    n = 0
    for i in range(0, len(objects), 500):
        stmt = (update(Alarm).where(Alarm.name == name, Alarm.cleared.is_(False),
                                    Alarm.object.in_(objects[i:i + 500]))
                .values(cleared=True, cleared_at=ctx.clock.now()))
        res: CursorResult[Any] = s.execute(stmt)  # type: ignore[assignment]
        n += res.rowcount or 0
    return n


def clear_alarm(s: Session, ctx: AppContext, *, name: str, object: str) -> bool:
    """Mark an alarm cleared (the condition is gone). Returns False when none was open."""
    row = s.scalars(select(Alarm).where(Alarm.name == name, Alarm.object == object,
                                        Alarm.cleared.is_(False))).first()
    if row is None:
        return False
    row.cleared = True
    row.cleared_at = ctx.clock.now()
    return True


def clear_alarm_by_id(ctx: AppContext, alarm_id: int) -> AlarmView:
    """An administrator clears an alarm by hand (recorded in the audit trail)."""
    with ctx.transaction() as s:
        row = s.get(Alarm, alarm_id)
        if row is None:
            raise NotFound("alarm", alarm_id)
        if not row.cleared:
            row.cleared = True
            row.cleared_at = ctx.clock.now()
        record_event(s, ctx, action="alarm.clear", target=f"{row.name} {row.object}",
                     details={"id": alarm_id})
        return AlarmView.of(row)


def list_alarms(ctx: AppContext, *, active_only: bool = False, name: str | None = None,
                object_contains: str | None = None, limit: int = 500) -> list[AlarmView]:
    """Newest first."""
    q = select(Alarm)
    if active_only:
        q = q.where(Alarm.cleared.is_(False))
    if name:
        q = q.where(Alarm.name == name)
    if object_contains:
        q = q.where(Alarm.object.contains(object_contains, autoescape=True))
    q = q.order_by(Alarm.last_seen.desc(), Alarm.id.desc()).limit(max(1, min(limit, 10000)))
    with ctx.read() as s:
        return [AlarmView.of(r) for r in s.scalars(q)]


def get_alarm(ctx: AppContext, alarm_id: int) -> AlarmView:
    with ctx.read() as s:
        row = s.get(Alarm, alarm_id)
        if row is None:
            raise NotFound("alarm", alarm_id)
        return AlarmView.of(row)


def alarm_counts(s: Session) -> dict[tuple[str, str, bool], int]:
    """(name, severity, cleared) -> number of alarm objects; for metrics."""
    rows = s.execute(select(Alarm.name, Alarm.severity, Alarm.cleared, func.count())
                     .group_by(Alarm.name, Alarm.severity, Alarm.cleared))
    return {(n, sev, bool(c)): int(k) for n, sev, c, k in rows}
