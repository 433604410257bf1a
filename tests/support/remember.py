"""Expensive computations the test processes do not repeat: password hashes and node keys.

**Password hashes.**

certyard hashes every password with argon2id at the library's RFC 9106 profile (about
0.14 s of CPU a hash on the CI machine) or PBKDF2-SHA256 with 600,000 rounds, and the
suite creates and signs in thousands of accounts with the same few passwords: well over a
tenth of the suite's CPU went to recomputing the same hashes. Here the hasher keeps the
hash it made for a password and the answer it gave for a (hash, password) pair, so the
stored hashes stay real (same algorithm, same parameters, verifiable by any argon2
library) and a wrong password is still refused. Only the salt is shared between accounts
of one test process that use the same password. Servers and CLIs the suite starts as
subprocesses hash for real.

**Node identity keys.** Every cluster a test sets up generates an RSA-2048 key for each
service purpose of each node (``store.generate``; about 70 ms each, 8 % of the suite's
CPU). Here the n-th key of a given type and size that a test asks for is the n-th of a
pool kept for the whole test process: real keys, distinct within a test (so a
regenerated certificate still has a new key), and the same across tests, whose stores
are separate databases. Only ``store.generate`` draws from the pool; keys made anywhere
else (CA keys, CSR keys, the tests' own) are generated fresh.
"""

from __future__ import annotations

import functools
import hashlib
import types
from typing import Any

from argon2 import PasswordHasher

__all__ = ["install", "new_test"]


class _RememberingHasher:
    """Stands in for ``argon2.PasswordHasher``; what it does not override it passes on."""

    def __init__(self, real: PasswordHasher) -> None:
        self._real = real
        self._hashes: dict[str, str] = {}
        self._verdicts: dict[tuple[str, str], bool | BaseException] = {}

    def hash(self, password: str | bytes, **kw: Any) -> str:
        key = password if isinstance(password, str) else password.decode("latin-1")
        if kw:
            return self._real.hash(password, **kw)
        got = self._hashes.get(key)
        if got is None:
            got = self._hashes[key] = self._real.hash(password)
        return got

    def verify(self, stored: str | bytes, password: str | bytes) -> bool:
        key = (stored if isinstance(stored, str) else stored.decode("latin-1"),
               password if isinstance(password, str) else password.decode("latin-1"))
        verdict = self._verdicts.get(key)
        if verdict is None:
            try:
                verdict = self._real.verify(stored, password)
            except Exception as exc:  # VerificationError, InvalidHashError: same again
                verdict = exc
            self._verdicts[key] = verdict
        if isinstance(verdict, BaseException):
            raise verdict
        return verdict

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@functools.lru_cache(maxsize=4096)
def _pbkdf2(name: str, password: bytes, salt: bytes, rounds: int,
            dklen: int | None = None) -> bytes:
    return hashlib.pbkdf2_hmac(name, password, salt, rounds, dklen)


_POOL: dict[tuple[str, int], list[Any]] = {}
_DRAWN: dict[tuple[str, int], int] = {}


def _pooled_key(key_type: str, size: int) -> Any:
    from certyard.x509.keys import generate_private_key

    pool = _POOL.setdefault((key_type, size), [])
    n = _DRAWN.get((key_type, size), 0)
    if n == len(pool):
        pool.append(generate_private_key(key_type, size))  # refusals raise from here
    _DRAWN[(key_type, size)] = n + 1
    return pool[n]


def new_test() -> None:
    """A test starts: its first node key is the pool's first again."""
    _DRAWN.clear()


def install() -> None:
    """Replace the hashers certyard.accounts.rules uses and the key generator
    certyard.store.generate uses, in this process (once)."""
    from certyard.accounts import rules
    from certyard.store import generate

    generate.generate_private_key = _pooled_key  # type: ignore[assignment]

    if not isinstance(rules._argon, _RememberingHasher):
        rules._argon = _RememberingHasher(rules._argon)  # type: ignore[assignment]
    if not isinstance(rules.hashlib, types.SimpleNamespace):
        rules.hashlib = types.SimpleNamespace(  # type: ignore[assignment]
            **{n: getattr(hashlib, n) for n in dir(hashlib) if not n.startswith("__")})
        rules.hashlib.pbkdf2_hmac = _pbkdf2
