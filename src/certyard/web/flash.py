"""One-time messages after a redirect ("Saved.", "Revoked 1A2B."), set by the server only.

A page never shows text taken from its URL: a link like ``/login?notice=...`` could make the
UI say anything (issue 14, finding 18). The message travels in a short-lived cookie sealed
with the master key (AES-256-GCM, the same key every replica holds), so only this server can
write one, a user cannot forge or alter it, and any replica can read it. ``render`` shows it
once and clears it.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from certyard.errors import CertyardError
from certyard.http.auth import app_ctx

__all__ = ["COOKIE", "flash_redirect", "pop_flash", "set_flash"]

COOKIE = "certyard_flash"
_AAD = b"certyard web flash v1"
_MAX = 300


def set_flash(request: Request, response: Response, message: str) -> Response:
    key = app_ctx(request).master_key
    blob = key.seal(message[:_MAX].encode(), aad=_AAD)
    response.set_cookie(COOKIE, base64.urlsafe_b64encode(blob).decode(), secure=True,
                        httponly=True, samesite="strict", path="/", max_age=120)
    return response


def flash_redirect(request: Request, path: str, message: str) -> RedirectResponse:
    """303 to ``path`` (a local path chosen by the route), with ``message`` shown there."""
    resp = RedirectResponse(path, status_code=303)
    set_flash(request, resp, message)
    return resp


def pop_flash(request: Request) -> str:
    """The message this server sealed for this browser, or "" (a forged or stale cookie is
    ignored). The caller clears the cookie on its response."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 2000:
        return ""
    try:
        blob = base64.urlsafe_b64decode(raw.encode())
        return str(app_ctx(request).master_key.open(blob, aad=_AAD).decode())[:_MAX]
    except (ValueError, binascii.Error, UnicodeDecodeError, CertyardError):
        return ""  # forged, tampered or sealed under another key: show nothing
