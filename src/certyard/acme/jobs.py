"""Background jobs of the ACME server (one replica at a time, through the job leases):
expired nonces are deleted, so the table stays the size of an hour's traffic; a validation
whose replica died mid-way (challenge still ``processing`` long after its start) runs again."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from certyard.db.models.acme import AcmeChallenge, AcmeNonce
from certyard.jobs import Job

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["JOBS", "resume_validations", "sweep_nonces"]


def sweep_nonces(ctx: AppContext) -> int:
    with ctx.transaction() as s:
        gone = s.execute(delete(AcmeNonce).where(AcmeNonce.expires_at < ctx.clock.now()))
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def resume_validations(ctx: AppContext) -> int:
    """Validate again every challenge left ``processing`` for longer than a validation
    can take (its replica stopped); returns how many."""
    from certyard.acme.settings import acme_settings
    from certyard.acme.validation import run_validation

    now = ctx.clock.now()
    stale = now - dt.timedelta(seconds=3 * acme_settings(ctx).timeout + 60)
    with ctx.transaction() as s:
        rows = list(s.scalars(select(AcmeChallenge).where(
            AcmeChallenge.status == "processing", AcmeChallenge.started_at < stale)
            .with_for_update().limit(100)))
        for c in rows:
            c.started_at = now
        ids = [c.id for c in rows]
    for cid in ids:
        run_validation(ctx, cid)
    return len(ids)


JOBS = (Job("acme.nonce_sweep", 600, sweep_nonces),
        Job("acme.validation_resume", 60, resume_validations))
