"""Pieces every certyard HTTP application shares: the application object with its context,
the error handlers and outermost guards, the security headers, and the admin allowlist
check. certyard.server assembles the listeners from these plus the api and web routers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from certyard import accounts
from certyard.context import AppContext
from certyard.http.errors import PageRenderer, error_body, install_error_handlers
from certyard.http.headers import SECURITY_HEADER_LIST, SECURITY_HEADERS
from certyard.http.limits import install_body_limit
from certyard.http.outage import install_outage_handler

__all__ = ["SECURITY_HEADERS", "SECURITY_HEADER_LIST", "AdminGuard", "HeadAsGet", "finish_app",
           "install_admin_guard", "new_app"]


def new_app(ctx: AppContext, *, json_only: bool = False, pages: PageRenderer | None = None,
            **options: Any) -> FastAPI:
    """A FastAPI application holding ``ctx`` (the one context of the process, read by every
    route through certyard.http.auth.app_ctx) with the one error mapper installed."""
    app = FastAPI(**options)
    app.router.redirect_slashes = False  # its redirect names the request's Host header
    app.router.default = _slash_redirect(app.router.routes, app.router.default)
    app.state.ctx = ctx
    app.state.auth_cache = accounts.AuthCache()
    install_error_handlers(app, json_only=json_only, pages=pages)
    return app


def _slash_redirect(routes: list[BaseRoute], not_found: ASGIApp) -> ASGIApp:
    """The router's fallback: a path that exists with (or without) a trailing slash is
    redirected there (307) by a relative ``Location``: only the path and query, never a
    host taken from the request's ``Host`` header. Anything else: ``not_found``."""
    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "/")
        if scope["type"] == "http" and path != "/":
            other = path.rstrip("/") if path.endswith("/") else path + "/"
            probe = {**scope, "path": other}
            # "//host" or "/\\host" would be read as another site: never a Location.
            if (other.startswith("/") and other[1:2] not in ("/", "\\", "")
                    and any(r.matches(probe)[0] is not Match.NONE for r in routes)):
                query = scope.get("query_string", b"")
                location = quote(other, safe="/:@!$&'()*+,;=-._~") + (
                    "?" + query.decode("latin-1") if query else "")
                await RedirectResponse(location, status_code=307)(scope, receive, send)
                return
        await not_found(scope, receive, send)

    return default


def finish_app(app: FastAPI, ctx: AppContext | None, *, default_body: int | None = None) -> None:
    """Add the outer guards, after every other middleware: the body limit (oversized
    bodies never reach a route), then outermost the boundary (database outage: 503;
    anything unexpected: a logged 500 with a request id)."""
    if default_body is not None:
        from certyard.http.limits import BodyLimit

        app.add_middleware(BodyLimit, default=default_body)
    else:
        install_body_limit(app, ctx)
    install_outage_handler(app)
    app.add_middleware(HeadAsGet, routes=app.router.routes)


class HeadAsGet:
    """HEAD answers exactly as GET without the body (RFC 9110 9.3.2), on every route of
    every listener: a HEAD whose route serves only GET runs as GET (before this it was a
    405, or fell through to the plain-HTTP listener's redirect); a route that declares HEAD
    itself (ACME newNonce) keeps it. The headers are GET's, Content-Length included; the
    body is dropped. Pure ASGI (no buffering); outermost, installed by finish_app."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes  # the application's live list: routes added later count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        if self._runs_as_get(scope):
            scope = {**scope, "method": "GET"}

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, without_body)

    def _runs_as_get(self, scope: Scope) -> bool:
        """The first route whose path matches decides: it declares HEAD (a full match):
        HEAD; it serves the path for other methods only: GET."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return False
            if match is Match.PARTIAL:
                return True
        return True


def install_admin_guard(app: FastAPI, ctx: AppContext, *, exempt: frozenset[str],
                        exempt_prefixes: tuple[str, ...] = ()) -> None:
    """The admin UI allowlist, checked before any page or sign-in is served, and the
    security headers on every answer. ``exempt``: paths load balancers probe;
    ``exempt_prefixes``: public protocols with their own authentication (ACME)."""
    app.add_middleware(AdminGuard, ctx=ctx, cache=app.state.auth_cache, exempt=exempt,
                       exempt_prefixes=exempt_prefixes)


_HEADERS = SECURITY_HEADER_LIST
_HEADERS_NO_CACHE_CONTROL = [h for h in _HEADERS if h[0] != b"cache-control"]


def _relative_self_redirect(scope: Scope, headers: list[tuple[bytes, bytes]]
                            ) -> list[tuple[bytes, bytes]]:
    """A redirect to ``https://<the request's Host header>/path`` (the router's trailing-
    slash redirect builds it so) becomes ``/path``: the client's Host header never names
    where a redirect goes (a forged one would otherwise be echoed to caches and clients)."""
    host = next((v for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        return headers
    prefix = b"https://" + host
    out = []
    for key, value in headers:
        if key.lower() == b"location" and value.lower().startswith(prefix.lower()):
            rest = value[len(prefix):]
            if rest[:1] in (b"/", b"?", b""):
                value = rest if rest.startswith(b"/") else b"/" + rest
        out.append((key, value))
    return out


class AdminGuard:
    """Pure ASGI (no per-request task or buffering, unlike Starlette's BaseHTTPMiddleware):
    the allowlist from the application's accounts.AuthCache (no database read per request;
    a change applies at once in this process, within a second on other replicas), then the
    security headers added to the answer where the route did not set them."""

    def __init__(self, app: ASGIApp, *, ctx: AppContext, cache: accounts.AuthCache,
                 exempt: frozenset[str], exempt_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.ctx = ctx
        self.cache = cache
        self.exempt = exempt
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = _HEADERS_NO_CACHE_CONTROL if path.startswith("/static/") else _HEADERS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if 300 <= message["status"] < 400:
                    headers = _relative_self_redirect(scope, headers)
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        if path not in self.exempt and not path.startswith(self.exempt_prefixes):
            client = scope.get("client")
            ip = client[0] if client else None
            if not self.cache.is_allowed(self.ctx, ip):
                message = f"access from {ip} is not in the admin UI allowlist"
                resp: Response = (JSONResponse(error_body("forbidden", message), status_code=403)
                                  if path.startswith("/api/")
                                  else PlainTextResponse(message, status_code=403))
                await resp(scope, receive, with_headers)
                return
        await self.app(scope, receive, with_headers)
