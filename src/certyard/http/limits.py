"""Request-body size limits, enforced before a body is read in full.

Why a raw ASGI middleware: a route that calls ``await request.body()`` (or a form parser)
has already buffered the whole upload by the time it can look at its length, so a hostile
client could make every replica hold gigabytes. Here the declared ``Content-Length`` is
refused at once, and a body without one (chunked) is counted as it streams in and cut off
the moment it passes the limit. Either way the client gets 413 and the route never runs
(or never sees more than ``limit`` bytes).

The OCSP responder gets a much smaller limit: an RFC 6960 request for one certificate is a
few hundred bytes, and it is served on the plain-HTTP listener to anyone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

__all__ = ["DEFAULT_MAX_BODY", "OCSP_MAX_BODY", "BodyLimit", "BodyTooLarge", "install_body_limit"]

# Certificate files, PKCS#7 bundles, CSRs and forms: at least this, and room for an upload
# of CERTYARD_MAX_UPLOAD_BYTES sent as base64 in JSON or as multipart.
DEFAULT_MAX_BODY = 4 * 1024 * 1024
OCSP_MAX_BODY = 16 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit; the app's error
    handlers turn it into the usual 413 error body."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def limit_for(path: str, default: int = DEFAULT_MAX_BODY) -> int:
    if path == "/ocsp" or path.startswith("/ocsp/"):
        return OCSP_MAX_BODY
    return default


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    from certyard.http.errors import plain_error

    body, headers = plain_error(str(scope.get("path", "")), 413, "too_large",
                                f"request body larger than {limit} bytes",
                                headers=[(b"connection", b"close")])
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: 413 for bodies over :func:`limit_for` the request path."""

    def __init__(self, app: ASGIApp, *, default: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope.get("path", ""), self.default)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1  # unparsable: treat as hostile
                if declared > limit:
                    await _refuse(scope, send, limit)
                    return
        received = 0
        started = exceeded = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # Whatever the app made of the aborted read (FastAPI turns any body error
                # into 400), the client is told the truth: 413.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _refuse(scope, send, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:  # else a 413 (or the app's own response) is already on its way
                await _refuse(scope, send, limit)


def install_body_limit(app: Any, ctx: Any = None) -> None:
    """Add :class:`BodyLimit` as the outermost user middleware of a Starlette app."""
    upload = getattr(getattr(ctx, "settings", None), "max_upload_bytes", 0) or 0
    app.add_middleware(BodyLimit, default=max(DEFAULT_MAX_BODY, 2 * upload + 64 * 1024))
