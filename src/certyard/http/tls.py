"""The HTTPS listener's SSL context, kept current without a restart.

uvicorn holds one ``ssl.SSLContext`` for the life of the socket. We give it a *live*
context and, whenever the tomcat certificate or the TLS policy changes, build a fresh one
with the policy room's builder and:

- set the live context's minimum version and TLS 1.2 cipher list in place (OpenSSL copies
  both into each new connection, and negotiates the version before the SNI callback);
- swap each new connection onto the fresh context from the SNI callback (OpenSSL calls it
  for every ClientHello, with or without a server name), which replaces the certificate.

``TlsReloader.check()`` is cheap (one small query) and runs every few seconds.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select

from certyard.context import AppContext
from certyard.db.models import Node, StoreEntry
from certyard.db.models.store import PrivateKey
from certyard.errors import NotInitialised
from certyard.policy.settings import stored_tls_policy
from certyard.store import fips_enabled, open_private_key

__all__ = ["TlsReloader", "build_context", "identity_chains", "tls_stamp"]

log = logging.getLogger("certyard.http.tls")
_PURPOSES = ("tomcat", "tomcat-ECDSA")


def _identity_rows(s: Any) -> list[StoreEntry]:
    pub = s.scalar(select(Node.id).where(Node.is_publisher.is_(True)))
    if pub is None:
        raise NotInitialised("the cluster is not initialised")
    return list(s.scalars(select(StoreEntry).where(
        StoreEntry.type == "identity", StoreEntry.node_id == pub,
        StoreEntry.purpose.in_(_PURPOSES)).order_by(StoreEntry.purpose)))


def tls_stamp(ctx: AppContext) -> tuple[Any, ...]:
    """Changes when the tomcat certificates, the TLS policy or FIPS mode change."""
    with ctx.read() as s:
        rows = _identity_rows(s)
        return (tuple((r.purpose, r.fingerprint_sha256) for r in rows),
                stored_tls_policy(s), fips_enabled(s))


def identity_chains(ctx: AppContext) -> list[tuple[bytes, bytes]]:
    """(chain PEM leaf first, key PEM) of the publisher's tomcat and tomcat-ECDSA."""
    out: list[tuple[bytes, bytes]] = []
    with ctx.read() as s:
        for row in _identity_rows(s):
            if row.private_key_id is None:
                continue
            stored = s.get(PrivateKey, row.private_key_id)
            if stored is None:
                continue
            key = open_private_key(ctx.master_key, stored)
            cert = x509.load_der_x509_certificate(row.der)
            chain = cert.public_bytes(Encoding.PEM)
            if not row.self_signed:
                for t in s.scalars(select(StoreEntry).where(
                        StoreEntry.type == "trust", StoreEntry.purpose == row.purpose,
                        StoreEntry.subject == row.issuer)):
                    chain += x509.load_der_x509_certificate(t.der).public_bytes(Encoding.PEM)
            out.append((chain, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                 NoEncryption())))
    return out


def build_context(ctx: AppContext) -> ssl.SSLContext:
    from certyard.policy.sslcontext import build_server_ssl_context

    with ctx.read() as s:
        tls = stored_tls_policy(s)
        fips = fips_enabled(s)
    return build_server_ssl_context(tls, identity_chains(ctx), fips=fips)


class TlsReloader:
    """Owns the live context handed to uvicorn and keeps it current."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.stamp = tls_stamp(ctx)
        self.current = build_context(ctx)
        self.live = build_context(ctx)
        self.live.sni_callback = self._on_hello
        self.reloads = 0

    def _on_hello(self, sslobj: ssl.SSLObject, server_name: str | None,
                  _ctx: ssl.SSLContext) -> None:
        if self.current is not self.live:
            sslobj.context = self.current
        return None

    def prepare(self) -> tuple[ssl.SSLContext, tuple[Any, ...]] | None:
        """Off the event loop: a fresh context when something changed, else None. When the
        new settings cannot be used the old context stays (the error is logged)."""
        try:
            stamp = tls_stamp(self.ctx)
            if stamp == self.stamp:
                return None
            return build_context(self.ctx), stamp
        except Exception:
            log.exception("TLS settings or certificate changed but cannot be used")
            return None

    def apply(self, fresh: ssl.SSLContext, stamp: tuple[Any, ...]) -> None:
        """On the event loop thread, so no handshake sees a half-changed live context."""
        self.live.minimum_version = fresh.minimum_version
        tls12 = [c["name"] for c in fresh.get_ciphers() if c.get("protocol") != "TLSv1.3"]
        if tls12:
            seclevel = ":@SECLEVEL=0" if fresh.minimum_version < ssl.TLSVersion.TLSv1_2 else ""
            try:
                self.live.set_ciphers(":".join(tls12) + seclevel)
            except ssl.SSLError:
                log.exception("cipher list not applied")
        self.current, self.stamp = fresh, stamp
        self.reloads += 1
        log.info("HTTPS certificate/TLS settings reloaded")

    def check(self) -> bool:
        """prepare + apply in one call (tests, single-threaded callers)."""
        ready = self.prepare()
        if ready is not None:
            self.apply(*ready)
        return ready is not None
