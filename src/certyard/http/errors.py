"""The one place where errors become HTTP responses, for the API and the pages alike.

One problem shape for every JSON answer, on every listener and from every layer (routes,
dependencies, middleware, the outage and body-limit guards)::

    {"error": {"code": "...", "message": "...", "field": null}}

(plus ``"request_id"`` on a 500, the key to the log record). The status comes from
:func:`http_status`, the one mapping from an error's reason code and class to HTTP.

API paths (``/api/``) and JSON-only listeners get the problem body. Page paths: not signed
in → the sign-in page; password change due → the change page; anything else → the page
renderer the server installs (the web room's error page); without one, plain text.

An exception nobody expected is logged once with a request id and answered as a generic
500 naming only that id (:class:`Boundary`, the outermost middleware).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from certyard import errors as e
from certyard.http.auth import MustChangePassword

__all__ = ["Boundary", "PageRenderer", "error_body", "error_response", "http_status",
           "install_boundary", "install_error_handlers", "plain_error"]

log = logging.getLogger("certyard.http")

# Reason codes whose status differs from their class's (checked first).
_BY_CODE: dict[str, int] = {
    "too_many_attempts": 429,      # accounts.SignInThrottled
    "backup_password": 403,        # backup.BackupPasswordWrong
    "master_key": 500,             # the sealing key itself is unusable: an operator problem
    "token_unavailable": 503,      # a PKCS#11 token will be back; retry
    "database_unavailable": 503,
}
# Then the nearest class in the error tree (errors.py).
_BY_CLASS: tuple[tuple[type[e.CertyardError], int], ...] = (
    (e.InvalidInput, 422),
    (e.InvalidFile, 422),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.PermissionDenied, 403),
    (e.AuthenticationFailed, 401),
    (e.NotInitialised, 503),
    (e.ExternalServiceError, 502),
)
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated",
               403: "forbidden", 413: "too_large"}

PageRenderer = Callable[[Request, int, str], Response]


def http_status(exc: e.CertyardError) -> int:
    """The HTTP status of a typed error: by reason code, else by its place in the tree."""
    for klass in type(exc).__mro__:
        code = getattr(klass, "code", None)
        if isinstance(code, str) and code in _BY_CODE:
            return _BY_CODE[code]
    for klass, status in _BY_CLASS:
        if isinstance(exc, klass):
            return status
    return 400


def error_body(code: str, message: str, field: str | None = None,
               **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def _extra(exc: Exception) -> dict[str, object]:
    """Several wrong values at once (errors.InvalidInputs): each one, with its field."""
    problems = getattr(exc, "problems", None)
    if isinstance(exc, e.InvalidInputs) and problems:
        return {"problems": [{"code": p.code, "message": p.message, "field": p.field}
                             for p in problems]}
    return {}


def error_response(exc: e.CertyardError, *, headers: dict[str, str] | None = None
                   ) -> JSONResponse:
    """The problem answer for a typed error (for routes that answer instead of raising)."""
    return JSONResponse(error_body(exc.code, exc.message, exc.field, **_extra(exc)),
                        status_code=http_status(exc), headers=headers)


def plain_error(path: str, status: int, code: str, message: str, *,
                headers: list[tuple[bytes, bytes]] | None = None
                ) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Body and headers of an answer made below the routing layer (raw ASGI): the problem
    body on API paths, one line of text elsewhere."""
    if path.startswith("/api/"):
        body, ctype = json.dumps(error_body(code, message)).encode(), b"application/json"
    else:
        body, ctype = message.encode(), b"text/plain; charset=utf-8"
    return body, [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                  *(headers or [])]


def _to_error(exc: Exception) -> tuple[int, str, str, str | None]:
    if isinstance(exc, e.CertyardError):
        return http_status(exc), exc.code, exc.message, exc.field
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        msg = first.get("msg", "invalid request")
        return 422, "invalid_input", f"{field + ': ' if field else ''}{msg}", field
    assert isinstance(exc, HTTPException)
    return (exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), str(exc.detail),
            None)


def install_error_handlers(app: FastAPI, *, json_only: bool = False,
                           pages: PageRenderer | None = None) -> None:
    """``json_only``: every path gets the problem body (the plain-HTTP and agent listeners,
    which serve no pages). ``pages`` renders an error page for a page path."""
    async def handle(request: Request, exc: Exception) -> Response:
        status, code, message, field = _to_error(exc)
        if json_only or request.url.path.startswith("/api/"):
            headers = getattr(exc, "headers", None) if isinstance(exc, HTTPException) else None
            return JSONResponse(error_body(code, message, field, **_extra(exc)),
                                status_code=status, headers=headers)
        if isinstance(exc, e.AuthenticationFailed):
            nxt = request.url.path if request.method == "GET" else "/"
            return RedirectResponse(f"/login?next={quote(nxt)}", status_code=303)
        if isinstance(exc, MustChangePassword):
            return RedirectResponse("/account/password", status_code=303)
        if pages is not None:
            return pages(request, status, message)
        return PlainTextResponse(message, status_code=status)

    for cls in (e.CertyardError, RequestValidationError, HTTPException):
        app.add_exception_handler(cls, handle)


def new_request_id() -> str:
    return secrets.token_hex(8)


class Boundary:
    """ASGI middleware, outermost: an exception that escaped everything else is logged with
    a request id and answered as a generic 500 problem (no class name, message or trace
    reaches the client). Database outages are answered 503 (certyard.http.outage)."""

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
            from certyard.http.outage import answer_outage, is_outage

            if started:
                raise
            if is_outage(exc):
                await answer_outage(scope, send, exc)
                return
            rid = new_request_id()
            log.error("internal error answering %s %s (request %s)", scope.get("method", ""),
                      scope.get("path", ""), rid, exc_info=exc,
                      extra={"reason": "internal", "request_id": rid})
            message = f"internal error (request {rid}); the details are in the server log"
            body, headers = plain_error(str(scope.get("path", "")), 500, "internal", message)
            if str(scope.get("path", "")).startswith("/api/"):
                body = json.dumps(error_body("internal", message, request_id=rid)).encode()
                headers[1] = (b"content-length", str(len(body)).encode())
            await send({"type": "http.response.start", "status": 500,
                        "headers": [*headers, (b"cache-control", b"no-store"),
                                    (b"x-request-id", rid.encode())]})
            await send({"type": "http.response.body", "body": body})


def install_boundary(app: Any) -> None:
    """Add :class:`Boundary` (call last: the middleware added last is outermost)."""
    app.add_middleware(Boundary)
