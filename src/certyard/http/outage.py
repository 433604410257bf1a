"""Database outages become a clean 503, not a bare "Internal Server Error".

When PostgreSQL restarts (or a SQLite file stays locked too long), every request that
touches the store raises the driver's connection error wherever it happens to be — in a
route, or in middleware such as the allowlist check that runs before any route. Only the
outermost ASGI wrapper (certyard.http.errors.Boundary) sees all of them; it hands them here.
The answer is 503 with ``Retry-After`` and the problem body, so load balancers and clients
retry; the connection pool (``pool_pre_ping``) reconnects by itself once the database is
back, with no server restart.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

__all__ = ["MESSAGE", "answer_outage", "install_outage_handler", "is_outage", "outage_answer"]

log = logging.getLogger("certyard.server")
MESSAGE = "the database is unavailable; try again shortly"


def is_outage(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


async def answer_outage(scope: Any, send: Any, exc: BaseException) -> None:
    status, headers, body = outage_answer(str(scope.get("path", "")), exc)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def outage_answer(path: str, exc: BaseException
                  ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The 503 (status, headers, body) for a database outage, logged once as a warning."""
    from certyard.http.errors import plain_error

    log.warning("database unavailable: %s", type(exc.__cause__ or exc).__name__)
    body, headers = plain_error(path, 503, "database_unavailable", MESSAGE,
                                headers=[(b"retry-after", b"5"), (b"cache-control", b"no-store")])
    return 503, headers, body


def install_outage_handler(app: Any) -> None:
    """The outage answer and the catch-all share one outermost middleware."""
    from certyard.http.errors import install_boundary

    install_boundary(app)
