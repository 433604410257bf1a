"""Small in-process PKI for tests (cryptography builders): CAs and leaves with any defect."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

__all__ = ["make_ca", "name", "pem", "sign_leaf"]

NOW = dt.datetime.now(dt.timezone.utc)


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(Encoding.PEM) for c in certs)


def make_ca(cn: str = "Test Root", *, key=None, issuer=None, issuer_key=None,  # type: ignore[no-untyped-def]
            days: int = 3650, start: dt.datetime | None = None, ca: bool = True):
    key = key or ec.generate_private_key(ec.SECP256R1())
    start = start or NOW - dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(issuer.subject if issuer else name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key or key, hashes.SHA256())
    )
    return cert, key


def sign_leaf(csr_or_key, ca_cert, ca_key, *, cn: str = "leaf", days: int = 365,  # type: ignore[no-untyped-def]
              start: dt.datetime | None = None, hash_alg=None) -> x509.Certificate:
    pub = csr_or_key.public_key()
    start = start or NOW - dt.timedelta(hours=1)
    return (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(ca_cert.subject)
        .public_key(pub)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .sign(ca_key, hash_alg or hashes.SHA256())
    )


def rsa_key(bits: int = 2048):  # type: ignore[no-untyped-def]
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)
