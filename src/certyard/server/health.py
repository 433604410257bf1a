"""Liveness (``/healthz``) and readiness (``/readyz``) for load balancers, on both listeners.

No sign-in and no admin allowlist: a load balancer probes from its own address and must
not need a credential. The answers carry no data beyond ok/failed per check.

- ``/healthz``: the process answers HTTP (its event loop is alive). Always 200.
- ``/readyz``: this replica should get traffic: the database answers, its schema is at
  the code's migration heads (a replica started with older code against a newer schema, or
  the reverse, is taken out), the HTTPS context is loaded, and the replica is not shutting
  down (SIGTERM flips ``draining`` first so the balancer stops sending before the listener
  closes). 200 when all pass, else 503 with the failed check names.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from certyard.context import AppContext

__all__ = ["HEALTH_PATHS", "ServerState", "health_router", "readiness"]

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})
log = logging.getLogger("certyard.server.health")
_HEADS_TTL = 10.0  # seconds a migration-head check is reused (it reads the script directory)


class ServerState:
    """What ``certyard serve`` tells the probes: TLS loaded, draining (shared by both apps)."""

    def __init__(self, *, tls_loaded: bool = True) -> None:
        self.tls_loaded = tls_loaded
        self.draining = False
        self.listeners: dict[str, Any] = {}  # what `certyard serve` bound (Settings page)
        self._heads: tuple[float, bool] | None = None
        self._lock = threading.Lock()

    def schema_at_head(self, ctx: AppContext) -> bool:
        with self._lock:
            cached = self._heads
        if cached is not None and time.monotonic() - cached[0] < _HEADS_TTL and cached[1]:
            return True
        ok = _schema_at_head(ctx.engine)
        with self._lock:
            self._heads = (time.monotonic(), ok)
        return ok


def _schema_at_head(engine: Any) -> bool:
    """Every migration head of the code is applied. A branch's ``depends_on`` target
    (``f0001``) is never a row of alembic_version itself, so heads are compared with
    everything the current versions imply, dependencies included."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from certyard.db.engine import alembic_config

    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as conn:
        current = tuple(MigrationContext.configure(conn).get_current_heads())
    applied = {r.revision for r in script.iterate_revisions(current, "base")}
    return set(script.get_heads()) <= applied


def readiness(ctx: AppContext, state: ServerState) -> dict[str, bool]:
    """Each readiness check by name -> passed."""
    checks = {"database": False, "migrations": False, "tls": state.tls_loaded,
              "accepting": not state.draining}
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = True
        checks["migrations"] = state.schema_at_head(ctx)
    except Exception:  # any database failure means "not ready"; the probe says which check
        log.debug("readiness: database check failed", exc_info=True)
    return checks


def health_router(ctx: AppContext, state: ServerState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})

    @router.get("/readyz")
    def readyz(request: Request) -> JSONResponse:
        checks = readiness(ctx, state)
        ok = all(checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                            status_code=200 if ok else 503,
                            headers={"Cache-Control": "no-store"})

    return router
