"""Database leases: at most one replica runs a job at a time, and the schedule (next run)
is shared, so N replicas do not run a job N times per interval.

Acquiring is one conditional UPDATE (atomic on SQLite and PostgreSQL): it succeeds only when
the job is due and nobody holds an unexpired lease. A holder that dies simply lets its lease
run out; another replica takes over after ``ttl``.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError

from certyard.db.models.monitor import JobLease

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["PROCESS_HOLDER", "acquire_lease", "lease_state", "release_lease"]

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
PROCESS_HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure_row(ctx: AppContext, name: str) -> None:
    with ctx.read() as s:
        if s.get(JobLease, name) is not None:
            return
    try:
        with ctx.transaction() as s:
            s.add(JobLease(name=name, holder="", lease_until=EPOCH, next_run_at=EPOCH,
                           last_error=""))
    except IntegrityError:
        pass  # another replica created it


def acquire_lease(ctx: AppContext, name: str, *, holder: str = PROCESS_HOLDER,
                  ttl: dt.timedelta = dt.timedelta(minutes=15), force: bool = False) -> bool:
    """Take the lease if the job is due (or ``force``) and no live holder has it."""
    _ensure_row(ctx, name)
    now = ctx.clock.now()
    cond = [JobLease.name == name, (JobLease.lease_until <= now) | (JobLease.holder == holder)]
    if not force:
        cond.append(JobLease.next_run_at <= now)
    with ctx.transaction() as s:
        result: CursorResult[Any] = s.execute(  # type: ignore[assignment]
            update(JobLease).where(*cond).values(holder=holder, lease_until=now + ttl,
                                                 last_started_at=now))
    return bool(result.rowcount)


def release_lease(ctx: AppContext, name: str, *, holder: str = PROCESS_HOLDER,
                  every: dt.timedelta, error: str = "") -> None:
    now = ctx.clock.now()
    with ctx.transaction() as s:
        s.execute(update(JobLease).where(JobLease.name == name, JobLease.holder == holder)
                  .values(lease_until=now, next_run_at=now + every, last_finished_at=now,
                          last_error=error[:2000], holder=""))


def lease_state(ctx: AppContext) -> list[dict[str, Any]]:
    with ctx.read() as s:
        return [{"name": r.name, "holder": r.holder, "lease_until": r.lease_until.isoformat(),
                 "next_run_at": r.next_run_at.isoformat(),
                 "last_started_at": r.last_started_at.isoformat() if r.last_started_at else None,
                 "last_finished_at": (r.last_finished_at.isoformat()
                                      if r.last_finished_at else None),
                 "last_error": r.last_error}
                for r in s.scalars(select(JobLease).order_by(JobLease.name))]
