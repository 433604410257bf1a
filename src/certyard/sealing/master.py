"""The master key and the sealing of secrets with it.

A sealed blob is ``version(1) || nonce(12) || ciphertext+tag``; the associated data binds
the blob to what it protects (e.g. the key's public fingerprint), so a blob moved to another
row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from certyard.errors import CertyardError

__all__ = ["MasterKey", "load_or_create_master_key"]

_VERSION = b"\x01"


class MasterKeyError(CertyardError):
    code = "master_key"


class MasterKey:
    """Seals and opens secrets. The raw key never leaves this object."""

    __slots__ = ("_aead", "_derived", "_raw")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise MasterKeyError("master key must be 32 bytes (AES-256)")
        self._aead = AESGCM(raw)
        self._raw = raw
        self._derived: dict[bytes, bytes] = {}

    def derive(self, purpose: bytes) -> bytes:
        """A 32-byte key for one purpose (HKDF-SHA256, ``purpose`` as the info: domain
        separation), so e.g. the audit chain's MAC key is not the sealing key."""
        if purpose not in self._derived:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.kdf.hkdf import HKDF

            self._derived[purpose] = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                          info=b"certyard/" + purpose).derive(self._raw)
        return self._derived[purpose]

    def __repr__(self) -> str:  # never print key material
        return "MasterKey(<hidden>)"

    def seal(self, plaintext: bytes, *, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, *, aad: bytes) -> bytes:
        if len(blob) < 1 + 12 + 16 or blob[:1] != _VERSION:
            raise MasterKeyError("sealed secret is malformed")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], aad)
        except InvalidTag:
            raise MasterKeyError(
                "cannot decrypt a stored secret: wrong master key or tampered data"
            ) from None


def _decode(text: str, origin: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"master key in {origin} is not valid base64") from None
    if len(raw) != 32:
        raise MasterKeyError(f"master key in {origin} must decode to 32 bytes")
    return raw


def load_or_create_master_key(
    *, env_value: str | None, key_file: Path, create: bool = True
) -> MasterKey:
    """The key from the environment, else the key file (created 0600 when missing)."""
    if env_value:
        return MasterKey(_decode(env_value, "CERTYARD_MASTER_KEY"))
    if key_file.exists():
        mode = key_file.stat().st_mode & 0o077
        if mode:
            raise MasterKeyError(
                f"master key file {key_file} is readable by others; run chmod 600 on it"
            )
        return MasterKey(_decode(key_file.read_text(), str(key_file)))
    if not create:
        raise MasterKeyError(f"no master key: set CERTYARD_MASTER_KEY or create {key_file}")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    raw = secrets.token_bytes(32)
    tmp = key_file.with_name(key_file.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(raw).decode() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, key_file)  # never clobber a key another process just created
    except FileExistsError:
        os.unlink(tmp)
        return load_or_create_master_key(env_value=None, key_file=key_file, create=False)
    os.unlink(tmp)
    return MasterKey(raw)
