"""``POST /api/v1/ca/issued`` without the web framework, for the common case.

Issuing over the API is a hot path (issue 17: >= 1,000 certificates/s end to end). Through
the framework a request costs several times the work of the request itself: uvicorn's
request cycle and its two writes, FastAPI's route matching over a few hundred routes, the
dependency solver and the pydantic model, and the guards' five ASGI layers (access log,
error boundary, body limit, allowlist with security headers, HEAD). :class:`IssueRoute` is
what the route does, for the usual request, as plain calls: ``server.fast_issue`` calls it
from the HTTPS listener's connection protocol, below the framework.

* :meth:`IssueRoute.admit` looks at the request head only: a Bearer token, a JSON body of a
  declared length under :data:`FAST_MAX_BODY` (no chunked body), from an address the admin
  allowlist admits. Anything else (a session cookie, another content type, an address the
  allowlist refuses, a larger or chunked body) goes to the framework, whose guards answer.
* :meth:`IssueRoute.answer` takes the body when the route's model (``api.v1.ca.IssueNowIn``)
  would take it as it is; a body the model would coerce or refuse, or that is not JSON,
  goes to the framework with its body (``None``), so every refusal is the one the route and
  the shared error mapper (http.errors: 422 naming line and column for broken JSON) give.
  It then does what the route does, through the same functions: the token
  (http.auth.bearer_principal), the ``ca:execute`` privilege and the password-change rule
  (http.auth.authorize), the upload check (api.v1.common.upload_bytes),
  ``ca.submit_and_issue_async`` (which answers only once the certificate is durably
  stored), the one problem shape for typed errors (http.errors.error_response), and for
  anything else the error boundary's answer (503 on a database outage, a logged 500 with a
  request id: http.errors.escaped_answer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from certyard import accounts, ca
from certyard.api.v1.common import CSR_WHAT, upload_bytes
from certyard.context import AppContext
from certyard.errors import CertyardError
from certyard.http.auth import authorize, bearer_principal
from certyard.http.errors import error_response, escaped_answer

__all__ = ["FAST_MAX_BODY", "PATH", "Answer", "IssueRoute"]

PATH = "/api/v1/ca/issued"
# A CSR of the model's largest size as JSON; larger bodies take the framework's body limit.
FAST_MAX_BODY = 256 * 1024
_CSR_MAX = 200_000  # as IssueNowIn
_PROFILE_MAX = 32
_DAYS_MAX = 3650
_JSON = [(b"content-type", b"application/json")]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]  # without content-length and the security headers
    body: bytes


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


class IssueRoute:
    """The fast answer of ``POST /api/v1/ca/issued`` for one application (see the module
    text). ``cache`` is the application's accounts.AuthCache, shared with its guards."""

    def __init__(self, ctx: AppContext, cache: accounts.AuthCache) -> None:
        self.ctx = ctx
        self.cache = cache
        self._chains: dict[str, str] = {}

    def admit(self, headers: list[tuple[bytes, bytes]], client: str | None) -> str | None:
        """The request's Bearer token when its head qualifies (``headers`` with lower-case
        names, as received), else None: the framework answers."""
        auth = ctype = length = None
        for name, value in headers:
            if name == b"authorization":
                if auth is not None:
                    return None
                auth = value
            elif name == b"content-type":
                if ctype is not None:
                    return None
                ctype = value
            elif name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                return None
        if auth is None or ctype is None or length is None or auth[:7].lower() != b"bearer ":
            return None
        if ctype.split(b";", 1)[0].strip().lower() != b"application/json":
            return None
        if not length.isdigit() or not 0 < int(length) <= FAST_MAX_BODY:
            return None
        if not self.cache.is_allowed(self.ctx, client):  # the guard's 403
            return None
        token = auth[7:].strip()
        return token.decode("latin-1") if token.isascii() else None

    async def answer(self, token: str, body: bytes, client: str | None) -> Answer | None:
        """The answer, or None when the route must see the body (its model decides)."""
        parsed = _parse(body)
        if parsed is None:
            return None
        csr, profile, days = parsed
        try:
            principal = bearer_principal(self.ctx, self.cache, token)
            granted = authorize(self.ctx, principal, "ca:execute", client or "unknown")
            data = upload_bytes(csr, granted.ctx.settings.max_upload_bytes, "csr", CSR_WHAT)
            view = await ca.submit_and_issue_async(granted.ctx, data, profile=profile,
                                                   days=days,
                                                   privileges=principal.privileges,
                                                   caller="remote")
        except CertyardError as exc:
            problem = error_response(exc)
            return Answer(problem.status_code, _JSON, bytes(problem.body))
        except Exception as exc:  # as the error boundary: 503 on an outage, else a 500
            status, headers, out = escaped_answer("POST", PATH, exc)
            return Answer(status, [h for h in headers if h[0] != b"content-length"], out)
        return Answer(201, _JSON, self._render(view.to_dict()))

    def _render(self, doc: dict[str, Any]) -> bytes:
        """The route's JSON (starlette's JSONResponse: compact, UTF-8). The chain is the
        same for every certificate of a CA: encoded once."""
        chain = doc.pop("chain_pem")
        encoded = self._chains.get(chain)
        if encoded is None:
            if len(self._chains) > 16:  # CAs rotated many times in one process
                self._chains.clear()
            encoded = self._chains[chain] = json.dumps(chain, ensure_ascii=False)
        head = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return (head[:-1] + ',"chain_pem":' + encoded + "}").encode("utf-8")
