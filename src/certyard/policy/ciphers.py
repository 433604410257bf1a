"""Pure validation of cipher strings against the real cryptographic libraries.

TLS strings go through the OpenSSL that Python's ``ssl`` module links (``set_ciphers``), so
what is accepted here is exactly what a listener built from it will offer. SSH strings are
checked against the algorithm names the installed OpenSSH knows (``ssh -Q``).

Platform limits, said plainly: Python's ``ssl`` module cannot configure TLS 1.3 cipher
suites (there is no ``set_ciphersuites``), so the three TLS 1.3 suites OpenSSL enables by
default are always offered when TLS 1.3 is allowed, whatever the string says.
"""

from __future__ import annotations

import functools
import shutil
import ssl
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from certyard.errors import PolicyViolation

__all__ = [
    "HTTPS_PRIORITY",
    "LEGACY_TLS10_SUITES",
    "SEED_HTTPS_PRIORITY",
    "SSH_KINDS",
    "TLS13_NOTE",
    "ResolvedCiphers",
    "resolve_tls_ciphers",
    "ssh_algorithms",
    "validate_ssh_string",
    "weakness",
]

TLS13_NOTE = ("TLS 1.3 suites cannot be chosen through Python's ssl module; OpenSSL's "
              "defaults (TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, "
              "TLS_AES_128_GCM_SHA256) are offered whenever TLS 1.3 is allowed")

# The HTTPS Ciphers options (seed 002 chapter 12) keep the seed's names and certificate
# choice, but their default lists follow current "intermediate" TLS server guidance:
# forward-secret key exchange (ECDHE, DHE) with AEAD ciphers only, in the seed's order of
# preference (AES-256-GCM first). The seed's own lists add RSA key exchange and CBC suites
# (AES256-SHA, AES128-SHA, DHE-RSA-AES128-SHA, 3DES): they stay available as an explicit
# choice (SEED_HTTPS_PRIORITY, via `tls ciphers set https ...`) and are marked weak.
HTTPS_PRIORITY: dict[str, str] = {
    "rsa-only": ":".join([
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES256-GCM-SHA384",
        "DHE-RSA-AES128-GCM-SHA256"]),
    "ec-and-rsa": ":".join([
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256"]),
}

# TLS 1.0/1.1 have no AEAD suites: when an administrator allows them (an explicit choice
# of weaker security) the default lists gain the forward-secret CBC suites those clients
# can use; `tls ciphers show` marks them weak.
LEGACY_TLS10_SUITES = ":".join([
    "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA"])

# Seed 002's priority lists verbatim, in OpenSSL names (OpenSSL 3 drops the 3DES entries
# at the default security level).
SEED_HTTPS_PRIORITY: dict[str, str] = {
    "rsa-only": ":".join([
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "AES256-SHA",
        "AES128-SHA", "DHE-RSA-AES128-SHA", "DES-CBC3-SHA", "EDH-RSA-DES-CBC3-SHA"]),
    "ec-and-rsa": ":".join([
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "AES256-SHA",
        "AES128-SHA", "DHE-RSA-AES128-SHA", "DES-CBC3-SHA", "EDH-RSA-DES-CBC3-SHA"]),
}

_WEAK_MARKERS = ("NULL", "EXP", "RC4", "MD5", "ADH", "AECDH", "-DES-CBC-", "PSK")


@dataclass(frozen=True, kw_only=True)
class ResolvedCiphers:
    """What OpenSSL selected for a string: TLS 1.2-and-below suites in priority order."""

    string: str
    tls12: list[str]
    tls13: list[str]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"string": self.string, "tls12": self.tls12, "tls13": self.tls13,
                "warnings": self.warnings}


def resolve_tls_ciphers(string: str, *, fips: bool = False,
                        field_name: str = "ciphers") -> ResolvedCiphers:
    """Resolve an OpenSSL cipher string; refuse it with OpenSSL's reason when it is wrong."""
    text = string.strip()
    if not text:
        raise PolicyViolation("the cipher string is empty", rule="cipher_string",
                              value=string, field=field_name)
    if len(text) > 2000 or any(ord(ch) < 0x20 for ch in text):
        raise PolicyViolation("the cipher string is too long or has control characters",
                              rule="cipher_string", value=string[:80], field=field_name)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.set_ciphers(text)
    except ssl.SSLError as exc:
        reason = exc.args[-1] if exc.args else str(exc)
        raise PolicyViolation(
            f"OpenSSL refused the cipher string {text!r}: {reason} (a typo, or a string "
            "that selects no cipher)", rule="cipher_string", value=text,
            field=field_name) from None
    names = [c["name"] for c in ctx.get_ciphers()]
    tls13 = [n for n in names if n.startswith("TLS_")]
    tls12 = [n for n in names if not n.startswith("TLS_")]
    if not tls12:
        raise PolicyViolation(f"the cipher string {text!r} selects no TLS 1.2 cipher",
                              rule="cipher_string", value=text, field=field_name)
    if fips:
        bad = [n for n in tls12 if "CHACHA20" in n]
        if bad:
            raise PolicyViolation(
                f"FIPS mode is on: CHACHA20 is not allowed ({', '.join(bad)}); add "
                "':!CHACHA20' to the string", rule="fips_cipher", value=text,
                field=field_name)
    warnings = [w for c in ctx.get_ciphers() if not c["name"].startswith("TLS_")
                for w in [weakness(c)] if w]
    return ResolvedCiphers(string=text, tls12=tls12, tls13=tls13, warnings=warnings)


def weakness(cipher: Mapping[str, Any]) -> str | None:
    """Why a TLS 1.2 suite (an ``SSLContext.get_ciphers()`` entry) is weak, or None: no
    forward secrecy (RSA key exchange), no AEAD (CBC), or broken/unauthenticated."""
    name = str(cipher.get("name", ""))
    if any(m in name for m in _WEAK_MARKERS):
        return f"{name} is a weak or unauthenticated cipher"
    if cipher.get("kea") not in ("kx-ecdhe", "kx-dhe"):
        return f"{name} is weak: no forward secrecy (RSA key exchange)"
    if not cipher.get("aead"):
        return f"{name} is weak: CBC mode, not an AEAD cipher"
    return None


SSH_KINDS = {"ssh_ciphers": "cipher", "ssh_kex": "kex", "ssh_macs": "mac"}


@functools.lru_cache(maxsize=8)
def ssh_algorithms(kind: str) -> tuple[str, ...] | None:
    """Names OpenSSH knows for ``cipher``, ``kex`` or ``mac``; None when ssh is absent."""
    exe = shutil.which("ssh")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-Q", kind], capture_output=True, text=True, timeout=10,
                             check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return tuple(line.strip() for line in out.splitlines() if line.strip())


def validate_ssh_string(key: str, string: str, *, fips: bool = False) -> list[str]:
    """A comma-separated OpenSSH algorithm list; every name must be one OpenSSH knows."""
    kind = SSH_KINDS[key]
    names = [n.strip() for n in string.split(",")]
    if not string.strip() or any(not n for n in names):
        raise PolicyViolation(f"the SSH {kind} list is empty or has an empty entry",
                              rule="ssh_algorithms", value=string, field=key)
    known = ssh_algorithms(kind)
    if known is not None:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise PolicyViolation(
                f"OpenSSH does not know the {kind} algorithm(s) {', '.join(unknown)} "
                f"(`ssh -Q {kind}` lists the known names)", rule="ssh_algorithms",
                value=string, field=key)
    if fips:
        bad = [n for n in names if "chacha20" in n or n.endswith("-sha1") or "md5" in n
               or n in ("hmac-sha1", "hmac-sha1-96")]
        if bad:
            raise PolicyViolation(f"FIPS mode is on: {', '.join(bad)} not allowed",
                                  rule="fips_ssh", value=string, field=key)
    if len(set(names)) != len(names):
        names = list(dict.fromkeys(names))
    return names
