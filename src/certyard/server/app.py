"""The two ASGI applications ``certyard serve`` runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from certyard import accounts
from certyard.api.errors import error_body, install_error_handlers
from certyard.server.health import HEALTH_PATHS, ServerState, health_router
from certyard.server.limits import install_body_limit
from certyard.server.outage import install_outage_handler

__all__ = ["SECURITY_HEADERS", "create_app", "create_http_app"]

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

Next = Callable[[Request], Awaitable[Response]]


def create_app(ctx: Any, *, rate_limiter: accounts.RateLimiter | None = None,
               state: ServerState | None = None) -> FastAPI:
    """The HTTPS application: web UI at /, REST API at /api/v1, OpenAPI at /api/v1/openapi.json."""
    from certyard.api.v1 import router as api_router
    from certyard.web import STATIC_DIR
    from certyard.web import router as web_router

    app = FastAPI(title="certyard", version="1", description="Certificates and TLS security "
                  "for a cluster of servers. Authenticate with `Authorization: Bearer <token>` "
                  "(create one under Account > API tokens or with `certyard token create`).",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    app.state.ctx = ctx
    app.state.rate_limiter = rate_limiter or accounts.RateLimiter(limit=10, window_seconds=60)
    app.state.server = state or ServerState()
    install_error_handlers(app)

    @app.middleware("http")
    async def guard(request: Request, call_next: Next) -> Response:
        # The allowlist is checked before any page or sign-in is served.
        ip = request.client.host if request.client else None
        # Load-balancer probes are exempt: they come from the balancer's own address. So
        # is ACME: servers anywhere renew through it, authenticated by their JWS.
        if request.url.path not in HEALTH_PATHS and not request.url.path.startswith("/acme/") \
                and \
                not accounts.is_allowed(accounts.list_allowed(ctx), ip):
            body = error_body("forbidden", f"access from {ip} is not in the admin UI allowlist")
            resp: Response = (JSONResponse(body, status_code=403)
                              if request.url.path.startswith("/api/")
                              else PlainTextResponse(body["error"]["message"],  # type: ignore[index]
                                                     status_code=403))
        else:
            resp = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            if k == "Cache-Control" and request.url.path.startswith("/static/"):
                continue
            resp.headers.setdefault(k, v)
        return resp

    app.include_router(health_router(ctx, app.state.server))
    app.include_router(api_router)
    from certyard.api.acme import router as acme_router

    app.include_router(acme_router)
    from certyard.api.metrics import router as metrics_router

    app.include_router(metrics_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_body_limit(app, ctx)  # outermost: oversized bodies never reach a route
    install_outage_handler(app)  # a database restart: 503, never a bare 500
    return app


_FQDN: dict[int, str] = {}


def _publisher_fqdn(ctx: Any) -> str:
    """The publisher's FQDN, looked up once per context (redirects must not cost anonymous
    clients a database query each)."""
    name = _FQDN.get(id(ctx))
    if name is None:
        from sqlalchemy import select

        from certyard.db.models import Node

        with ctx.read() as s:
            name = s.scalar(select(Node.fqdn).where(Node.is_publisher.is_(True))) or "localhost"
        _FQDN[id(ctx)] = name
    return name


def create_http_app(ctx: Any, *, https_port: int, state: ServerState | None = None,
                    server_name: str | None = None) -> FastAPI:
    """Plain HTTP: the CA's public endpoints, and a redirect to HTTPS for the rest.

    The redirect goes to ``server_name`` (default: the publisher's FQDN, the name in the
    HTTPS certificate) on the HTTPS port, never to the request's Host header, which the
    client chooses (a cacheable redirect to any host otherwise)."""
    from certyard.api.public import router as public_router

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.ctx = ctx
    app.state.server = state or ServerState()
    install_error_handlers(app, json_only=True)
    app.include_router(health_router(ctx, app.state.server))
    app.include_router(public_router)
    install_body_limit(app, ctx)
    install_outage_handler(app)

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"],
                   include_in_schema=False)
    def to_https(request: Request, path: str) -> Response:
        host = server_name or _publisher_fqdn(ctx)
        if ":" in host:
            host = f"[{host}]"
        port = "" if https_port == 443 else f":{https_port}"
        target = f"https://{host}{port}/{path}"
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(target, status_code=308 if request.method != "GET" else 301)

    return app
