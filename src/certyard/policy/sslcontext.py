"""Building the HTTPS listener's ``ssl.SSLContext`` from the TLS policy.

Pure: takes the ``Setting("tls")`` dict and the certificate chains, returns a context. The
``certyard serve`` listener calls :func:`build_server_ssl_context` and rebuilds it when
:func:`tls_policy_stamp` changes, so a policy change applies to new connections at once.

OpenSSL 3 refuses TLS 1.0/1.1 at its default security level (their handshake signatures
use SHA-1/MD5), so a minimum of 1.0 or 1.1 lowers the level to 0 (``@SECLEVEL=0``) — that
is what "allow TLS 1.0" has to mean on this platform.

Python's ``ssl`` cannot choose TLS 1.3 suites; in FIPS mode :func:`set_tls13_suites` sets
them on the context through the OpenSSL library ``ssl`` itself links, so no listener offers
CHACHA20-POLY1305 on TLS 1.3 either.
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
import tempfile
import warnings
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlalchemy.orm import Session

from certyard.db.models import Setting
from certyard.errors import InvalidInput
from certyard.policy.ciphers import HTTPS_PRIORITY, LEGACY_TLS10_SUITES
from certyard.policy.settings import TLS_DEFAULTS
from certyard.policy.tls import effective_tls_string

__all__ = ["FIPS_TLS13_SUITES", "SSL_VERSIONS", "build_server_ssl_context",
           "set_tls13_suites", "tls_policy_stamp"]

# TLS 1.3 suites FIPS 140 approves (AES-GCM; CHACHA20-POLY1305 is not approved).
FIPS_TLS13_SUITES = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"

SSL_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3,
}


def _is_ec(key_pem: bytes) -> bool:
    return isinstance(load_pem_private_key(key_pem, password=None),
                      ec.EllipticCurvePrivateKey)


def _ssl_ctx_pointer(ctx: ssl.SSLContext) -> tuple[Any, int]:
    """libssl (the one ``_ssl`` links) and the ``SSL_CTX *`` inside ``ctx``.

    CPython's ``PySSLContext`` starts with the object header followed by the ``SSL_CTX``
    pointer. The pointer is trusted only when OpenSSL, asked through it, reports the same
    options the ``ssl`` module reports for the context."""
    import _ssl
    import ctypes

    lib = ctypes.CDLL(_ssl.__file__)
    lib.SSL_CTX_get_options.argtypes = [ctypes.c_void_p]
    lib.SSL_CTX_get_options.restype = ctypes.c_uint64
    ptr = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    if not ptr or lib.SSL_CTX_get_options(ptr) != int(ctx.options):
        raise RuntimeError("cannot reach the OpenSSL context of this Python build")
    return lib, ptr


def set_tls13_suites(ctx: ssl.SSLContext, suites: str) -> None:
    """Restrict the TLS 1.3 cipher suites of ``ctx`` (Python's ``ssl`` offers no call for
    it: ``set_ciphers`` governs TLS 1.2 and below only). Checked afterwards through
    ``get_ciphers``: a suite that is still offered is an error, never a silent gap."""
    import ctypes

    lib, ptr = _ssl_ctx_pointer(ctx)
    lib.SSL_CTX_set_ciphersuites.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.SSL_CTX_set_ciphersuites.restype = ctypes.c_int
    if lib.SSL_CTX_set_ciphersuites(ptr, suites.encode()) != 1:
        raise InvalidInput(f"OpenSSL refused the TLS 1.3 suites {suites!r}")
    wanted = set(suites.split(":"))
    offered = {c["name"] for c in ctx.get_ciphers() if c.get("protocol") == "TLSv1.3"}
    if not offered <= wanted:
        raise RuntimeError(f"TLS 1.3 suites still offered: {sorted(offered - wanted)}")


def build_server_ssl_context(
    settings: dict[str, Any] | None,
    cert_chains: Sequence[tuple[bytes | str, bytes | str]],
    *,
    fips: bool = False,
    interface: str = "https",
) -> ssl.SSLContext:
    """An HTTPS server context enforcing the minimum version, the HTTPS (else All TLS, else
    HTTPS Ciphers option) cipher string, and — with "rsa-only" — only RSA certificates.

    ``cert_chains`` is a list of (certificate chain PEM: leaf first, private key PEM). With
    "ec-and-rsa" both an RSA and an ECDSA chain are loaded (OpenSSL keeps one per key type),
    the ECDSA one first as the seed prefers it.

    ``interface="agent"``: the agent listener — the All TLS string (else the EC-and-RSA
    default list) and whatever certificates are given, with the same minimum version and
    FIPS rules.
    """
    policy = {**TLS_DEFAULTS, **(settings or {})}
    version = str(policy["min_version"])
    if version not in SSL_VERSIONS:
        raise InvalidInput(f"min_version {version!r} is not one of 1.0, 1.1, 1.2, 1.3")
    option = policy.get("https_cipher_option") or "rsa-only"
    if interface == "agent":
        option = "ec-and-rsa"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated; allowing them is a choice
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = SSL_VERSIONS[version]
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    if interface == "agent":
        string = effective_tls_string(policy, "all") or HTTPS_PRIORITY["ec-and-rsa"]
    else:
        string = effective_tls_string(policy, "https") or "DEFAULT"
    if version in ("1.0", "1.1") and not (policy.get("https_ciphers")
                                          or policy.get("all_ciphers")):
        string += ":" + LEGACY_TLS10_SUITES  # the default lists are TLS 1.2 AEAD only
    if fips:
        string += ":!CHACHA20"
    if version in ("1.0", "1.1"):
        string += ":@SECLEVEL=0"
    ctx.set_ciphers(string)
    if fips:
        set_tls13_suites(ctx, FIPS_TLS13_SUITES)

    chains = [(c.encode() if isinstance(c, str) else c, k.encode() if isinstance(k, str) else k)
              for c, k in cert_chains]
    rsa = [(c, k) for c, k in chains if not _is_ec(k)]
    ecdsa = [(c, k) for c, k in chains if _is_ec(k)]
    chosen = rsa[:1] if option == "rsa-only" else ecdsa[:1] + rsa[:1]
    if not chosen:
        raise InvalidInput("no certificate for the HTTPS listener: 'RSA Ciphers Only' needs "
                           "an RSA (tomcat) certificate")
    with tempfile.TemporaryDirectory(prefix="certyard-tls-") as tmp:
        for i, (chain, key) in enumerate(chosen):
            cpath, kpath = os.path.join(tmp, f"c{i}.pem"), os.path.join(tmp, f"k{i}.pem")
            for path, data in ((cpath, chain), (kpath, key)):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
            ctx.load_cert_chain(cpath, kpath)
    return ctx


def tls_policy_stamp(s: Session) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Changes whenever the TLS policy or FIPS mode changes: the listener compares it to
    decide whether to rebuild its context."""
    from certyard.store import fips_changed_at

    tls = s.get(Setting, "tls")
    return (tls.updated_at if tls else None, fips_changed_at(s))
