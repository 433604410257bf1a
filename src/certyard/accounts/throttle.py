"""Per-source throttling of sign-in attempts, counted in the database so that every replica
behind a load balancer sees the same count.

A fixed window per source address: the first attempt opens it, each attempt counts, and
once ``sign_in_source_attempts`` is reached every further attempt from that source is
refused without looking at the name or password until the window
(``sign_in_source_window_seconds``) has passed. One atomic upsert per attempt.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from certyard.accounts.rules import read_rules
from certyard.db.models.accounts import SignInThrottle
from certyard.errors import AuthenticationFailed

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["SignInThrottled", "count_sign_in_attempt", "purge_sign_in_throttle"]


class SignInThrottled(AuthenticationFailed):
    code = "too_many_attempts"


def count_sign_in_attempt(ctx: AppContext, source: str) -> None:
    """Count one sign-in attempt from ``source``; raise SignInThrottled past the limit.
    Committed on its own, before the password is looked at."""
    source = (source or "unknown")[:64]
    now = ctx.clock.now()
    with ctx.transaction() as s:
        rules = read_rules(s)
        limit = rules["sign_in_source_attempts"]
        window = dt.timedelta(seconds=rules["sign_in_source_window_seconds"])
        insert = (postgresql.insert if s.get_bind().dialect.name == "postgresql"
                  else sqlite.insert)
        t = SignInThrottle
        expired = t.window_start <= now - window
        stmt = insert(t).values(source=source, window_start=now, attempts=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.source],
            set_={"window_start": case((expired, now), else_=t.window_start),
                  "attempts": case((expired, 1), else_=t.attempts + 1)})
        s.execute(stmt)
        attempts = s.scalar(select(SignInThrottle.attempts)
                            .where(SignInThrottle.source == source)) or 0
    if attempts > limit:
        raise SignInThrottled("too many sign-in attempts from your address; wait a few "
                              "minutes and try again")


def purge_sign_in_throttle(ctx: AppContext, s: Any, now: dt.datetime) -> int:
    """Drop windows that have passed (housekeeping, inside its transaction)."""
    window = dt.timedelta(seconds=read_rules(s)["sign_in_source_window_seconds"])
    res = s.execute(delete(SignInThrottle).where(SignInThrottle.window_start <= now - window))
    return int(res.rowcount or 0)
