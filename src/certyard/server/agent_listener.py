"""The agent API's own mutual-TLS listener (default port 8444).

The server certificate and the TLS policy come from certyard.cluster.agent_listener (issued
by the built-in CA, renewed within 30 days of expiry). Client certificates are
requested and must chain to the built-in CA (``CERT_OPTIONAL`` so that enrollment and the
public trust list work without one; every other route refuses a request without one).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import uvicorn
from fastapi import FastAPI

# The one declared stack (httptools + uvloop), no silent fallback to h11/asyncio.
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base

from certyard.context import AppContext
from certyard.http.app import finish_app, new_app
from certyard.server.guard import ListenerLimits, guarded

__all__ = [
    "PeerCertProtocol",
    "agent_server_context",
    "build_server",
    "create_agent_app",
    "run_agent_server",
]


class PeerCertProtocol(_Base):  # type: ignore[valid-type,misc]
    """uvicorn's HTTP protocol, plus the ASGI TLS extension carrying the client certificate
    of this connection (uvicorn does not fill it in)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sslobj = transport.get_extra_info("ssl_object")
        der = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
        chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
        inner = self.app

        async def with_tls(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                scope = dict(scope)
                ext = dict(scope.get("extensions") or {})
                ext["tls"] = {"client_cert_chain": chain, "server_cert": None}
                scope["extensions"] = ext
            await inner(scope, receive, send)

        self.app = with_tls


def agent_server_context(ctx: AppContext, *, names: list[str]) -> ssl.SSLContext:
    """The listener's context from the cluster TLS policy (minimum version, All TLS
    ciphers, FIPS) through the same builder as the HTTPS listener, plus client
    certificates checked against the built-in CA. A policy change applies when the agent
    server restarts."""
    from certyard.cluster.agent_listener import agent_listener_identity
    from certyard.policy.sslcontext import build_server_ssl_context

    ident = agent_listener_identity(ctx, names=names)
    sc = build_server_ssl_context(ident.tls_policy, [(ident.cert_file.read_bytes(),
                                                      ident.key_file.read_bytes())],
                                  fips=ident.fips, interface="agent")
    sc.load_verify_locations(cadata=ident.ca_chain.decode())
    sc.verify_mode = ssl.CERT_OPTIONAL
    return sc


def create_agent_app(ctx: AppContext) -> FastAPI:
    from certyard.api.agent import router

    app = new_app(ctx, json_only=True, title="certyard agent API", docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.include_router(router)
    # Enrollment needs no client certificate: cap bodies before they are read (CSR + report).
    finish_app(app, ctx, default_body=256 * 1024)
    return app


def build_server(ctx: AppContext, *, host: str, port: int, names: list[str],
                 limits: ListenerLimits | None = None) -> uvicorn.Server:
    """The listener, with a header deadline and connection caps (certyard.server.guard)."""
    cfg = uvicorn.Config(create_agent_app(ctx), host=host, port=port, log_level="warning",
                         lifespan="off", loop="uvloop", proxy_headers=False, server_header=False,
                         http=guarded(PeerCertProtocol, limits), access_log=False,
                         h11_max_incomplete_event_size=16 * 1024)
    cfg.load()
    cfg.ssl = agent_server_context(ctx, names=names)
    return uvicorn.Server(cfg)


def run_agent_server(ctx: AppContext, *, host: str = "0.0.0.0", port: int = 8444,  # noqa: S104
                     names: list[str] | None = None) -> None:
    server = build_server(ctx, host=host, port=port,
                          names=names or ["localhost", "127.0.0.1"])
    server.run()
