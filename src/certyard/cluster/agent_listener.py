"""The agent API listener's own server certificate and TLS policy (the listener itself is
certyard.server.agent_listener).

The certificate is issued by the built-in CA for the publisher's FQDN (plus the names
given, e.g. localhost and 127.0.0.1) and kept in ``$CERTYARD_HOME/agent-server/``; it is
re-issued when it is missing or within 30 days of expiry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

if TYPE_CHECKING:
    from certyard.context import AppContext


__all__ = ["RENEW_BEFORE", "ListenerIdentity", "agent_listener_identity"]

RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True, kw_only=True)
class ListenerIdentity:
    cert_file: Path      # the certificate followed by the CA chain (PEM)
    key_file: Path       # its private key (PEM, 0600)
    ca_chain: bytes      # the built-in CA chain (PEM): client certificates must chain to it
    tls_policy: dict[str, Any] | None   # the cluster TLS policy ("tls" setting), if any
    fips: bool


def _ensure_certificate(ctx: AppContext, names: list[str]) -> tuple[Path, Path, bytes]:
    from certyard.ca import export_ca, issue_certificate_for_csr
    from certyard.hostutil.files import atomic_write
    from certyard.store import resolve_node
    from certyard.x509 import build_csr, generate_private_key, parse_san

    d = ctx.settings.home / "agent-server"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert_file, key_file = d / "cert.pem", d / "key.pem"
    now = ctx.clock.now()
    if cert_file.exists() and key_file.exists():
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        if cert.not_valid_after_utc - now > RENEW_BEFORE:
            return cert_file, key_file, export_ca(ctx, format="pem", chain=True)
    with ctx.read() as s:
        fqdn = resolve_node(s, None).fqdn
    key = generate_private_key("EC", 256)
    sans = [parse_san(n) for n in dict.fromkeys([fqdn, *names])]
    csr = build_csr(key, common_name=fqdn, sans=sans, hash_name="SHA256")
    issued = issue_certificate_for_csr(ctx, csr, profile="server", requester="agent-server")
    atomic_write(key_file, key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()), mode=0o600)
    chain = export_ca(ctx, format="pem", chain=True)
    atomic_write(cert_file, issued.pem.encode() + chain)
    return cert_file, key_file, chain


def agent_listener_identity(ctx: AppContext, *, names: list[str]) -> ListenerIdentity:
    """The listener's certificate (issued or renewed when needed) and the TLS policy it
    must follow (minimum version, ciphers, FIPS)."""
    from certyard.policy.settings import stored_tls_policy
    from certyard.store import fips_enabled

    cert_file, key_file, chain = _ensure_certificate(ctx, names)
    with ctx.read() as s:
        tls, fips = stored_tls_policy(s), fips_enabled(s)
    return ListenerIdentity(cert_file=cert_file, key_file=key_file, ca_chain=chain,
                            tls_policy=tls, fips=fips)
