"""Background job of the ACME server: expired nonces are deleted (one replica at a time,
through the job leases), so the table stays the size of an hour's traffic."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from certyard.db.models.acme import AcmeNonce
from certyard.jobs import register_job

__all__ = ["sweep_nonces"]


def sweep_nonces(ctx: Any) -> int:
    with ctx.transaction() as s:
        gone = s.execute(delete(AcmeNonce).where(AcmeNonce.expires_at < ctx.clock.now()))
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]


register_job("acme.nonce_sweep", 600, sweep_nonces)
