"""The agent API's own mutual-TLS listener (default port 8444).

The server certificate is issued by the built-in CA for the publisher's FQDN (plus the
names given, e.g. localhost and 127.0.0.1) and kept in ``$CERTYARD_HOME/agent-server/``;
it is re-issued when it is missing or within 30 days of expiry. Client certificates are
requested and must chain to the built-in CA (``CERT_OPTIONAL`` so that enrollment and the
public trust list work without one; every other route refuses a request without one).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from uvicorn.protocols.http.h11_impl import H11Protocol

try:  # the C parser when installed (uvicorn[standard]); h11 otherwise
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover
    _Base = H11Protocol  # type: ignore[assignment,misc]

from certyard.api.agent import create_agent_app
from certyard.server.guard import ListenerLimits, guarded

__all__ = ["PeerCertProtocol", "agent_server_context", "ensure_server_certificate",
           "run_agent_server"]


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


def ensure_server_certificate(ctx: Any, *, names: list[str]) -> tuple[Path, Path, bytes]:
    """(cert file, key file, CA chain PEM) for the listener, issuing when needed."""
    from certyard.ca import export_ca, issue_certificate_for_csr
    from certyard.store import resolve_node
    from certyard.x509 import build_csr, generate_private_key, parse_san

    d = ctx.settings.home / "agent-server"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert_file, key_file = d / "cert.pem", d / "key.pem"
    now = ctx.clock.now()
    if cert_file.exists() and key_file.exists():
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        if cert.not_valid_after_utc - now > dt.timedelta(days=30):
            return cert_file, key_file, export_ca(ctx, format="pem", chain=True)
    with ctx.read() as s:
        fqdn = resolve_node(s, None).fqdn
    key = generate_private_key("EC", 256)
    sans = [parse_san(n) for n in dict.fromkeys([fqdn, *names])]
    csr = build_csr(key, common_name=fqdn, sans=sans, hash_name="SHA256")
    issued = issue_certificate_for_csr(ctx, csr, profile="server", requester="agent-server")
    from certyard.hostutil.files import atomic_write

    atomic_write(key_file, key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()), mode=0o600)
    chain = export_ca(ctx, format="pem", chain=True)
    atomic_write(cert_file, issued.pem.encode() + chain)
    return cert_file, key_file, chain


def agent_server_context(ctx: Any, *, names: list[str]) -> ssl.SSLContext:
    """The listener's context from the cluster TLS policy (minimum version, All TLS
    ciphers, FIPS) through the same builder as the HTTPS listener, plus client
    certificates checked against the built-in CA. A policy change applies when the agent
    server restarts."""
    from certyard.db.models import Setting
    from certyard.policy.sslcontext import build_server_ssl_context
    from certyard.store import fips_enabled

    cert_file, key_file, chain = ensure_server_certificate(ctx, names=names)
    with ctx.read() as s:
        row = s.get(Setting, "tls")
        tls, fips = (row.value if row else None), fips_enabled(s)
    sc = build_server_ssl_context(tls, [(cert_file.read_bytes(), key_file.read_bytes())],
                                  fips=fips, interface="agent")
    sc.load_verify_locations(cadata=chain.decode())
    sc.verify_mode = ssl.CERT_OPTIONAL
    return sc


def build_server(ctx: Any, *, host: str, port: int, names: list[str],
                 limits: ListenerLimits | None = None) -> uvicorn.Server:
    """The listener, with a header deadline and connection caps (certyard.server.guard)."""
    cfg = uvicorn.Config(create_agent_app(ctx), host=host, port=port, log_level="warning",
                         lifespan="off", proxy_headers=False, server_header=False,
                         http=guarded(PeerCertProtocol, limits), access_log=False,
                         h11_max_incomplete_event_size=16 * 1024)
    cfg.load()
    cfg.ssl = agent_server_context(ctx, names=names)
    return uvicorn.Server(cfg)


def run_agent_server(ctx: Any, *, host: str = "0.0.0.0", port: int = 8444,  # noqa: S104
                     names: list[str] | None = None) -> None:
    server = build_server(ctx, host=host, port=port,
                          names=names or ["localhost", "127.0.0.1"])
    server.run()
