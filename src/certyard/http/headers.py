"""The security headers every answer of the HTTPS listener carries: set by the admin guard
(``http.app.AdminGuard``) on what the application answers, and by ``http.errors.plain_error``
on what is answered below it (the body limit, the error boundary, the connection guards,
the issuance fast path)."""

from __future__ import annotations

__all__ = ["SECURITY_HEADERS", "SECURITY_HEADER_LIST"]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'; object-src 'none'",
    "Strict-Transport-Security": "max-age=31536000",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# As sent (ASGI): the names in lower case.
SECURITY_HEADER_LIST = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
