"""The sealed file key: a private key stored encrypted under the master key (today's
behaviour), opened once per process."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from certyard.ca.signing.base import KeyLocation, hash_for, key_description

__all__ = ["SealedFileSigner"]

_LOCATION = KeyLocation(kind="sealed-file")


class SealedFileSigner:
    def __init__(self, key: Any) -> None:
        self._key = key
        self._public = key.public_key()
        self.algorithm = key_description(self._public)
        self.hash_algorithm = hash_for(self._public)

    def __repr__(self) -> str:  # never print key material
        return f"SealedFileSigner({self.algorithm})"

    @property
    def private_key(self) -> Any:
        return self._key

    @property
    def location(self) -> KeyLocation:
        return _LOCATION

    def public_key(self) -> Any:
        return self._public

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), self.hash_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(self.hash_algorithm))
        raise TypeError(f"unsupported CA key type {type(self._key).__name__}")
