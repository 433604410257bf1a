"""``POST /api/v1/ca/issued`` without the web framework, for the common case.

Issuing over the API is a hot path (issue 17: >= 1,000 certificates/s end to end); FastAPI's
route matching over a few hundred routes, the dependency solver and the pydantic model cost
several times the work of the request itself. :class:`IssueFastPath` sits in front of the
router on the HTTPS application, inside the same outer guards (HEAD, the error boundary with
its 503 on outages, the body limit, the admin allowlist with the security headers), and
answers exactly this route when the request is the usual one: a Bearer token and a JSON
body that the route's model (``api.v1.ca.IssueNowIn``) would take as it is. It then does what
the route does, through the same functions: the token (http.auth.bearer_principal), the
``ca:execute`` privilege and the password-change rule (http.auth.authorize), the upload
check (api.v1.common.upload_bytes), ``ca.submit_and_issue_async`` (which answers only once the
certificate is durably stored), and the one problem shape for typed errors
(http.errors.error_response). Anything else (a session cookie, another content type, a body
the model would coerce or refuse, a body that is not JSON) is handed to the full route with
the body replayed, so every refusal is the one the route and the shared error mapper
(http.errors: 415 for a body sent as anything but JSON, 422 naming line and column for
broken JSON) give.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from certyard import accounts, ca
from certyard.api.v1.common import CSR_WHAT, upload_bytes
from certyard.context import AppContext
from certyard.errors import CertyardError
from certyard.http.auth import authorize, bearer_principal
from certyard.http.errors import error_response

__all__ = ["PATH", "IssueFastPath"]

PATH = "/api/v1/ca/issued"
_CSR_MAX = 200_000  # as IssueNowIn
_PROFILE_MAX = 32
_DAYS_MAX = 3650


def _parse(body: bytes) -> tuple[str, str | None, int | None] | None:
    """(csr, profile, days) when IssueNowIn would accept the body unchanged, else None."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):  # deep nesting, not UTF-8: the route's 422
        return None
    if not isinstance(doc, dict):
        return None
    csr, profile, days = doc.get("csr"), doc.get("profile"), doc.get("days")
    if not isinstance(csr, str) or not 1 <= len(csr) <= _CSR_MAX:
        return None
    if profile is not None and (not isinstance(profile, str)
                                or not 1 <= len(profile) <= _PROFILE_MAX):
        return None
    if days is not None and (type(days) is not int or not 1 <= days <= _DAYS_MAX):
        return None
    try:  # a lone surrogate is no valid string for the route's model (422 there)
        csr.encode()
        if profile is not None:
            profile.encode()
    except UnicodeEncodeError:
        return None
    return csr, profile, days


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


class IssueFastPath:
    """Raw ASGI middleware for ``POST /api/v1/ca/issued`` (see the module text)."""

    def __init__(self, app: ASGIApp, *, ctx: AppContext, cache: accounts.AuthCache) -> None:
        self.app = app
        self.ctx = ctx
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        auth = _header(scope, b"authorization") or b""
        ctype = (_header(scope, b"content-type") or b"").split(b";", 1)[0].strip().lower()
        if auth[:7].lower() != b"bearer " or ctype != b"application/json":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away before sending it all
            return
        parsed = _parse(body)
        if parsed is None:
            await self.app(scope, _replay(body, receive), send)
            return
        csr, profile, days = parsed
        client = scope.get("client")
        try:
            principal = bearer_principal(self.ctx, self.cache,
                                         auth[7:].decode("latin-1").strip())
            granted = authorize(self.ctx, principal, "ca:execute",
                                client[0] if client else "unknown")
            data = upload_bytes(csr, granted.ctx.settings.max_upload_bytes, "csr",
                                CSR_WHAT)
            view = await ca.submit_and_issue_async(granted.ctx, data, profile=profile,
                                                   days=days,
                                                   privileges=principal.privileges,
                                                   caller="remote")
        except CertyardError as exc:
            await error_response(exc)(scope, receive, send)
            return
        out = _json(view.to_dict())
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-length", str(len(out)).encode()),
                                (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": out})


def _json(doc: dict[str, Any]) -> bytes:
    """As starlette's JSONResponse renders it."""
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
