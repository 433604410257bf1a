"""Who is asking, and may they: one dependency every API and UI route declares.

``require("area:action")`` resolves the principal from a Bearer API token or the session
cookie, checks CSRF on unsafe cookie-authenticated requests, checks the privilege, and hands
the route an ``Auth`` with an AppContext acting as that user from that address (so service
layer audit records name them). The routes-by-roles test reads ``.privilege`` off it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request

from certyard import accounts
from certyard.context import Actor, AppContext
from certyard.errors import AuthenticationFailed, PermissionDenied

__all__ = ["COOKIE", "Auth", "MustChangePassword", "app_ctx", "auth_cache", "authorize",
           "bearer_principal", "client_ip", "require"]

COOKIE = "certyard_session"
_SAFE = {"GET", "HEAD", "OPTIONS"}


class MustChangePassword(PermissionDenied):
    code = "password_change_required"


@dataclass(frozen=True)
class Auth:
    principal: accounts.Principal
    ctx: AppContext

    @property
    def user(self) -> str:
        return self.principal.name


def app_ctx(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def auth_cache(request: Request) -> accounts.AuthCache | None:
    """The application's cache of token principals and allowlist (certyard.http.app)."""
    return getattr(request.app.state, "auth_cache", None)


def bearer_principal(ctx: AppContext, cache: accounts.AuthCache | None,
                     secret: str) -> accounts.Principal:
    """The principal of an API token: from the cache (changes apply at once in this
    process, within accounts.authcache.RECHECK_SECONDS on other replicas), else the store."""
    if cache is None:
        return accounts.resolve_token(ctx, secret)
    return cache.resolve_token(ctx, secret)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _principal(request: Request) -> accounts.Principal:
    ctx = app_ctx(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return bearer_principal(ctx, auth_cache(request), header[7:].strip())
    token = request.cookies.get(COOKIE)
    if not token:
        raise AuthenticationFailed("sign in first")
    principal = accounts.resolve_session(ctx, token)
    if request.method not in _SAFE:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
        # Bytes: a header value need not be ASCII, and compare_digest refuses non-ASCII str.
        if not sent or not hmac.compare_digest(sent.encode(), principal.csrf_token.encode()):
            raise PermissionDenied("the form expired or did not come from this site; "
                                   "reload the page and try again")
    return principal


class require:
    """Dependency: the request's principal must hold ``privilege`` (None: any signed-in
    user, e.g. their own password and tokens)."""

    def __init__(self, privilege: str | None, *, allow_password_change: bool = False) -> None:
        self.privilege = privilege
        self.allow_password_change = allow_password_change

    async def __call__(self, request: Request) -> Auth:
        principal = await _principal(request)
        request.state.principal = principal
        return authorize(app_ctx(request), principal, self.privilege, client_ip(request),
                         allow_password_change=self.allow_password_change)


def authorize(ctx: AppContext, principal: accounts.Principal, privilege: str | None,
              source: str, *, allow_password_change: bool = False) -> Auth:
    """``principal`` may do what needs ``privilege``: the Auth of a route acting as them
    from ``source`` (also used by raw ASGI fast paths, e.g. api.v1.issue_fast)."""
    if principal.must_change_password and not allow_password_change:
        raise MustChangePassword("change your password before continuing")
    if privilege is not None and privilege not in principal.privileges:
        raise PermissionDenied(f"your role ({principal.role}) does not allow this "
                               f"({privilege})")
    actor = Actor(name=principal.name, source=source, role=principal.role)
    return Auth(principal=principal, ctx=ctx.acting_as(actor))


def anonymous_ctx(request: Request, name: str = "anonymous") -> AppContext:
    return app_ctx(request).acting_as(Actor(name=name[:64], source=client_ip(request),
                                            role=""))
