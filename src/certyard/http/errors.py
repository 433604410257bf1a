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
from certyard.http.headers import SECURITY_HEADER_LIST

__all__ = ["Boundary", "PageRenderer", "body_problem", "error_body", "error_response",
           "escaped_answer", "http_status", "install_boundary", "install_error_handlers",
           "is_json_type", "plain_error", "unreadable_body"]

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
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               401: "unauthenticated", 403: "forbidden", 413: "too_large",
               415: "unsupported_media_type"}

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
    """Body and headers of an answer made below the routing layer (raw ASGI, the connection
    guards): the problem body on API paths, one line of text elsewhere; ``headers`` and then
    the security headers they do not already name (``http.headers``)."""
    if path.startswith("/api/"):
        body, ctype = json.dumps(error_body(code, message)).encode(), b"application/json"
    else:
        body, ctype = message.encode(), b"text/plain; charset=utf-8"
    extra = list(headers or [])
    named = {name.lower() for name, _ in extra}
    extra += [h for h in SECURITY_HEADER_LIST if h[0] not in named]
    return body, [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                  *extra]


def _to_error(exc: Exception, request: Request | None = None
              ) -> tuple[int, str, str, str | None]:
    if isinstance(exc, e.CertyardError):
        return http_status(exc), exc.code, exc.message, exc.field
    if isinstance(exc, RequestValidationError):
        return body_problem(exc, request) or _first_problem(exc)
    assert isinstance(exc, HTTPException)
    why = unreadable_body(exc.__cause__) if exc.status_code == 400 else None
    if why is not None:
        return 422, "invalid_input", why, None
    return (exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), str(exc.detail),
            None)


def _first_problem(exc: RequestValidationError) -> tuple[int, str, str, str | None]:
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(loc) or None
    msg = first.get("msg", "invalid request")
    return 422, "invalid_input", f"{field + ': ' if field else ''}{msg}", field


_NOT_JSON = "the body must be JSON (Content-Type: application/json)"
_SHAPES = {"model_attributes_type": "a JSON object", "dict_type": "a JSON object",
           "list_type": "a JSON array"}


def is_json_type(content_type: str | None) -> bool:
    """``application/json`` or ``application/*+json`` (parameters such as charset aside),
    the media types the routes parse as JSON."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                           and media.endswith("+json"))


def body_problem(exc: RequestValidationError, request: Request | None
                 ) -> tuple[int, str, str, str | None] | None:
    """A JSON body that is not there, not JSON, or not the JSON value the route takes, said
    as such (the framework's wording names parser internals: a byte offset as a field,
    "Input should be a valid dictionary or object to extract fields from")."""
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = tuple(first.get("loc", ()))
    kind = first.get("type")
    if kind == "json_invalid":
        return 422, "invalid_input", _json_syntax(exc.body, loc, first.get("ctx")), None
    if loc != ("body",):
        return None
    if kind == "missing":
        return (422, "invalid_input",
                "the body is missing: send a JSON object (Content-Type: application/json)",
                None)
    if request is not None and not is_json_type(request.headers.get("content-type")):
        return 415, "unsupported_media_type", _NOT_JSON, None
    shape = _SHAPES.get(str(kind))
    if shape is not None:
        return 422, "invalid_input", f"the body must be {shape}", None
    return None


def _json_syntax(doc: Any, loc: tuple[Any, ...], detail: Any) -> str:
    pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    why = detail.get("error") if isinstance(detail, dict) else None
    reason = f": {why[0].lower()}{why[1:]}" if isinstance(why, str) and why else ""
    if pos is None or not isinstance(doc, str | bytes):
        return f"the body is not valid JSON{reason}"
    text = doc if isinstance(doc, str) else doc.decode("utf-8", "replace")
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"the body is not valid JSON{reason} (line {line}, column {column})"


def unreadable_body(cause: BaseException | None) -> str | None:
    """Why a JSON body the framework could not parse (its generic 400) was refused; None
    for any other cause (the 400 keeps its own text, as ``bad_request``)."""
    if isinstance(cause, RecursionError):
        return "the body is not valid JSON: it is nested too deeply"
    if isinstance(cause, UnicodeDecodeError):
        return (f"the body is not valid JSON: it is not UTF-8 text (byte {cause.start + 1} "
                "is invalid)")
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        return "the body is not valid JSON: a number in it is too long (over 4,300 digits)"
    return None


def install_error_handlers(app: FastAPI, *, json_only: bool = False,
                           pages: PageRenderer | None = None) -> None:
    """``json_only``: every path gets the problem body (the plain-HTTP and agent listeners,
    which serve no pages). ``pages`` renders an error page for a page path."""
    async def handle(request: Request, exc: Exception) -> Response:
        status, code, message, field = _to_error(exc, request)
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
            if started:
                raise
            status, headers, body = escaped_answer(scope.get("method", ""),
                                                   str(scope.get("path", "")), exc)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})


def escaped_answer(method: str, path: str, exc: Exception
                   ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body for an exception no handler answered: a database outage
    is a 503 (certyard.http.outage); anything else is logged with a request id and
    answered as a generic 500 problem. Also used by answers made below the framework
    (server.fast_issue)."""
    from certyard.http.outage import is_outage, outage_answer

    if is_outage(exc):
        return outage_answer(path, exc)
    rid = new_request_id()
    log.error("internal error answering %s %s (request %s)", method, path, rid, exc_info=exc,
              extra={"reason": "internal", "request_id": rid})
    message = f"internal error (request {rid}); the details are in the server log"
    body, headers = plain_error(path, 500, "internal", message,
                                headers=[(b"cache-control", b"no-store"),
                                         (b"x-request-id", rid.encode())])
    if path.startswith("/api/"):
        body = json.dumps(error_body("internal", message, request_id=rid)).encode()
        headers[1] = (b"content-length", str(len(body)).encode())
    return 500, headers, body


def install_boundary(app: Any) -> None:
    """Add :class:`Boundary` (call last: the middleware added last is outermost)."""
    app.add_middleware(Boundary)
