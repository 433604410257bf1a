"""The two ASGI applications ``certyard serve`` runs."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from certyard import accounts
from certyard.context import AppContext
from certyard.http.app import SECURITY_HEADERS, finish_app, install_admin_guard, new_app
from certyard.server.health import HEALTH_PATHS, ServerState, health_router

__all__ = ["SECURITY_HEADERS", "create_app", "create_http_app"]


def create_app(ctx: AppContext, *, rate_limiter: accounts.RateLimiter | None = None,
               state: ServerState | None = None) -> FastAPI:
    """The HTTPS application: web UI at /, REST API at /api/v1, OpenAPI at /api/v1/openapi.json."""
    from certyard.api.metrics import router as metrics_router
    from certyard.api.v1 import router as api_router
    from certyard.web import STATIC_DIR
    from certyard.web import router as web_router
    from certyard.web.render import render_error

    app = new_app(ctx, pages=render_error, title="certyard", version="1",
                  description="Certificates and TLS security for a cluster of servers. "
                  "Authenticate with `Authorization: Bearer <token>` (create one under "
                  "Account > API tokens or with `certyard token create`).",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    app.state.rate_limiter = rate_limiter or accounts.RateLimiter(limit=10, window_seconds=60)
    app.state.server = state or ServerState()
    # POST /api/v1/ca/issued, answered by the listener's protocol below the framework for
    # the usual request (server.fast_issue; https_config finds it here).
    from certyard.api.v1.issue_fast import IssueRoute

    app.state.issue_route = IssueRoute(ctx, app.state.auth_cache)
    # ACME is exempt from the admin allowlist: servers anywhere renew through it,
    # authenticated by their JWS.
    install_admin_guard(app, ctx, exempt=HEALTH_PATHS, exempt_prefixes=("/acme/",))
    app.include_router(health_router(ctx, app.state.server))
    app.include_router(api_router)
    from certyard.api.acme import router as acme_router

    app.include_router(acme_router)
    app.include_router(metrics_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    finish_app(app, ctx)
    return app


_FQDN: dict[int, str] = {}


def _publisher_fqdn(ctx: AppContext) -> str:
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


def create_http_app(ctx: AppContext, *, https_port: int, state: ServerState | None = None,
                    server_name: str | None = None) -> FastAPI:
    """Plain HTTP: the CA's public endpoints, and a redirect to HTTPS for the rest.

    The redirect goes to ``server_name`` (default: the publisher's FQDN, the name in the
    HTTPS certificate) on the HTTPS port, never to the request's Host header, which the
    client chooses (a cacheable redirect to any host otherwise)."""
    from certyard.api.public import router as public_router

    app = new_app(ctx, json_only=True, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.server = state or ServerState()
    app.include_router(health_router(ctx, app.state.server))
    app.include_router(public_router)
    finish_app(app, ctx)

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
        safe = request.method in ("GET", "HEAD")
        return RedirectResponse(target, status_code=301 if safe else 308)

    return app
