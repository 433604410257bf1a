"""The one place where typed errors become HTTP responses.

API paths (``/api/``) get ``{"error": {"code", "message", "field"}}`` with the error
class's status. UI paths: not signed in → the sign-in page; password change due → the
change page; anything else → an error page in the layout.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from certyard.api.auth import MustChangePassword
from certyard.errors import AuthenticationFailed, CertyardError

__all__ = ["error_body", "install_error_handlers"]

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated",
               403: "forbidden", 413: "too_large"}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "field": field}}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _to_error(exc: Exception) -> tuple[int, str, str, str | None]:
    if isinstance(exc, CertyardError):
        return exc.http_status, exc.code, exc.message, exc.field
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        msg = first.get("msg", "invalid request")
        return 422, "invalid_input", f"{field + ': ' if field else ''}{msg}", field
    assert isinstance(exc, HTTPException)
    return (exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), str(exc.detail),
            None)


def install_error_handlers(app: FastAPI, *, json_only: bool = False) -> None:
    """``json_only``: every path gets the JSON error body (the plain-HTTP and agent
    listeners, which serve no pages)."""
    async def handle(request: Request, exc: Exception) -> Response:
        status, code, message, field = _to_error(exc)
        if json_only or _is_api(request):
            return JSONResponse(error_body(code, message, field), status_code=status)
        if isinstance(exc, AuthenticationFailed):
            nxt = request.url.path if request.method == "GET" else "/"
            return RedirectResponse(f"/login?next={quote(nxt)}", status_code=303)
        if isinstance(exc, MustChangePassword):
            return RedirectResponse("/account/password", status_code=303)
        from certyard.web.render import render_error

        return render_error(request, status=status, message=message)

    for cls in (CertyardError, RequestValidationError, HTTPException):
        app.add_exception_handler(cls, handle)
