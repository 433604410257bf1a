"""Hourly account housekeeping run by the job scheduler: disable users past the inactivity
timeout (seed 002 "Configuring Inactivity Timeout") and drop expired sessions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from certyard.accounts.rules import read_rules
from certyard.accounts.sessions import _alive
from certyard.accounts.throttle import purge_sign_in_throttle
from certyard.audit import record_event
from certyard.db.models.accounts import User, UserSession
from certyard.jobs import Job

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["JOBS", "account_housekeeping"]


def account_housekeeping(ctx: AppContext) -> dict[str, int]:
    now = ctx.clock.now()
    disabled = purged = 0
    with ctx.transaction() as s:
        rules = read_rules(s)
        days = rules["inactivity_days"]
        if days:
            limit = now - dt.timedelta(days=days)
            for u in s.scalars(select(User).where(User.disabled.is_(False),
                                                  User.is_default_admin.is_(False))):
                if (u.last_sign_in_at or u.created_at) < limit:
                    u.disabled = True
                    disabled += 1
                    record_event(s, ctx, action="accounts.user.disable_inactive", target=u.name,
                                 details={"inactivity_days": days})
        for row in s.scalars(select(UserSession)):
            if not _alive(row, rules, now):
                s.delete(row)
                purged += 1
        throttles = purge_sign_in_throttle(ctx, s, now)
    return {"disabled": disabled, "sessions_purged": purged, "throttles_purged": throttles}


JOBS = (Job("accounts.housekeeping", 3600, account_housekeeping),)
