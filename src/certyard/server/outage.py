"""Database outages become a clean 503, not a bare "Internal Server Error".

When PostgreSQL restarts (or a SQLite file stays locked too long), every request that
touches the store raises the driver's connection error wherever it happens to be — in a
route, or in middleware such as the allowlist check that runs before any route. Only an
outermost ASGI wrapper sees all of them. It answers 503 with ``Retry-After`` and the API's
JSON error body, so load balancers and clients retry; the connection pool (``pool_pre_ping``)
reconnects by itself once the database is back, with no server restart.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

__all__ = ["DatabaseOutage", "install_outage_handler", "is_outage"]

log = logging.getLogger("certyard.server")
MESSAGE = "the database is unavailable; try again shortly"


def is_outage(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class DatabaseOutage:
    """ASGI middleware: a database connection failure anywhere below → 503."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if not is_outage(exc) or started:
                raise
            log.warning("database unavailable: %s", type(exc.__cause__ or exc).__name__)
            if str(scope.get("path", "")).startswith("/api/"):
                body = json.dumps({"error": {"code": "database_unavailable",
                                             "message": MESSAGE, "field": None}}).encode()
                ctype = b"application/json"
            else:
                body, ctype = MESSAGE.encode(), b"text/plain; charset=utf-8"
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", ctype), (b"retry-after", b"5"),
                                    (b"cache-control", b"no-store"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})


def install_outage_handler(app: Any) -> None:
    app.add_middleware(DatabaseOutage)
