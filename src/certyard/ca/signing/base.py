"""The signer interface: the one thing in certyard that holds (or reaches) a CA key.

Everything the CA signs (certificates, CRLs, OCSP responses) goes through a ``Signer``:
``sign(data)`` returns a signature over ``data`` in the form X.509 carries it (PKCS#1 v1.5
for RSA, a DER ECDSA-Sig-Value for EC), hashed with ``hash_algorithm``. A signer that can
hand ``cryptography`` a key object (``private_key``) lets the builders sign directly, the
fast path; one that cannot (a PKCS#11 token) gets the TBS bytes instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

__all__ = ["KeyLocation", "Signer", "hash_for", "key_description"]


@dataclass(frozen=True, kw_only=True)
class KeyLocation:
    """Where a CA key lives, for ``ca show``, the web UI and backups. No secrets."""

    kind: str  # "sealed-file" or "pkcs11"
    module: str | None = None
    token: str | None = None
    key_label: str | None = None
    key_id: str | None = None  # hex

    def describe(self) -> str:
        if self.kind != "pkcs11":
            return "sealed file (encrypted under the master key, in the database)"
        what = f"label {self.key_label!r}" if self.key_label else f"id {self.key_id}"
        return f"PKCS#11 token {self.token!r} via {self.module} ({what})"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@runtime_checkable
class Signer(Protocol):
    @property
    def algorithm(self) -> str:
        """The key, e.g. ``EC-384`` or ``RSA-3072``."""

    @property
    def hash_algorithm(self) -> hashes.SHA256 | hashes.SHA384:
        """The hash every signature of this key uses."""

    @property
    def private_key(self) -> Any | None:
        """A ``cryptography`` private key to sign with directly, or None."""

    @property
    def location(self) -> KeyLocation: ...

    def public_key(self) -> Any: ...

    def sign(self, data: bytes) -> bytes: ...


def key_description(public_key: Any) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA-{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC-{public_key.curve.key_size}"
    raise TypeError(f"unsupported CA key type {type(public_key).__name__}")


def hash_for(public_key: Any) -> hashes.SHA256 | hashes.SHA384:
    """SHA-384 for P-384/P-521 keys (matching strength), SHA-256 otherwise."""
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()
