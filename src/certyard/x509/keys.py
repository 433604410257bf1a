"""Private and public keys: generation, description, matching, serialisation."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    PublicKeyTypes,
)

from certyard.errors import InvalidFile, InvalidInput

__all__ = [
    "CURVES",
    "HASHES",
    "generate_private_key",
    "hash_algorithm",
    "key_description",
    "load_private_key",
    "private_key_der",
    "public_sha256",
]

CURVES: dict[int, ec.EllipticCurve] = {
    256: ec.SECP256R1(),
    384: ec.SECP384R1(),
    521: ec.SECP521R1(),
}

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA1": hashes.SHA1,
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    try:
        return HASHES[name.upper()]()
    except KeyError:
        raise InvalidInput(
            f"unknown hash algorithm {name!r}; choose one of {', '.join(HASHES)}", field="hash"
        ) from None


def generate_private_key(key_type: str, size: int) -> CertificateIssuerPrivateKeyTypes:
    if key_type == "RSA":
        if size < 1024 or size > 8192:
            raise InvalidInput(f"RSA key length {size} is out of range", field="key_length")
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    if key_type == "EC":
        try:
            return ec.generate_private_key(CURVES[size])
        except KeyError:
            raise InvalidInput(
                f"EC key length {size} is not one of 256, 384, 521", field="key_length"
            ) from None
    raise InvalidInput(f"unknown key type {key_type!r}", field="key_type")


def key_description(key: PublicKeyTypes) -> tuple[str, int]:
    """('RSA', 2048), ('EC', 384), ('Ed25519', 256) ..."""
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def public_sha256(key: PublicKeyTypes) -> str:
    """SHA-256 over the SubjectPublicKeyInfo: identifies a key pair across files."""
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def private_key_der(key: CertificateIssuerPrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(
    data: bytes, *, password: bytes | None = None
) -> CertificateIssuerPrivateKeyTypes:
    """A private key from PEM or DER (PKCS#1, SEC1 or PKCS#8, optionally encrypted)."""
    stripped = data.lstrip()
    loader = (
        serialization.load_pem_private_key
        if stripped.startswith(b"-----BEGIN")
        else serialization.load_der_private_key
    )
    try:
        key = loader(stripped, password=password)
    except TypeError:
        raise InvalidFile("the private key is encrypted: a password is needed") from None
    except (ValueError, Exception) as exc:  # cryptography raises several types here
        raise InvalidFile(f"not a readable private key ({_short(exc)})") from None
    if not isinstance(
        key,
        rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        raise InvalidFile(f"unsupported private key type {type(key).__name__}")
    return key


def _short(exc: BaseException) -> str:
    """The library's first sentence, never cut inside a word."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = text.split(". ")[0].rstrip(".")
    if len(text) > 120:
        text = text[:120].rsplit(" ", 1)[0] + " ..."
    return text
