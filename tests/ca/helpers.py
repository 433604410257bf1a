"""Shared helpers for CA tests: CSRs with any shape, PEM files, a set-up cluster + CA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from certyard import ca
from certyard.cluster import init_cluster

__all__ = ["make_csr", "setup_ca", "write_pem"]


def make_csr(cn: str = "www.example.com", *, sans: list[str] | None = None, key: Any = None,
             extra_attrs: list[x509.NameAttribute] | None = None,
             extensions: list[tuple[x509.ExtensionType, bool]] | None = None,
             ) -> tuple[Any, x509.CertificateSigningRequest]:
    key = key or ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn), *(extra_attrs or [])]
    b = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs))
    names = [x509.DNSName(n) for n in (sans if sans is not None else [cn])]
    if names:
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    for ext, critical in extensions or []:
        b = b.add_extension(ext, critical=critical)
    algo = None if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)) \
        else hashes.SHA256()
    return key, b.sign(key, algo)


def rsa_key(bits: int = 2048) -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def write_pem(path: Path, *objs: Any) -> Path:
    path.write_bytes(b"".join(o.public_bytes(Encoding.PEM) for o in objs))
    return path


def setup_ca(ctx: Any, **kwargs: Any) -> ca.CaInfo:
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    kwargs.setdefault("key_type", "EC")
    kwargs.setdefault("key_size", 256)
    return ca.init_ca(ctx, **kwargs)
