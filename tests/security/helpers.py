"""Pieces the security tests share: an enrolled agent, and the agent app seen through a
connection that presented that agent's client certificate."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID


def agent_csr(key: Any = None) -> tuple[Any, bytes]:
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "certyard-agent")]))
           .sign(key, hashes.SHA256()))
    return key, csr.public_bytes(Encoding.PEM)


def enrolled_agent(ctx: Any, node: str) -> str:
    """The PEM client certificate of a freshly enrolled agent of ``node``."""
    from certyard.cluster.agents import create_enroll_token, enroll_agent

    token = create_enroll_token(ctx, node)
    return enroll_agent(ctx, token=token.token, csr_pem=agent_csr()[1]).certificate


def with_peer(app: Any, cert_pem: str) -> Any:
    """The ASGI app as the agent listener presents it after a TLS handshake in which the
    client showed ``cert_pem`` (what ``PeerCertProtocol`` puts in the scope)."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "extensions": {"tls": {"client_cert_chain": [cert_pem],
                                                     "server_cert": None}}}
        await app(scope, receive, send)

    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped
