"""The policy room's settings documents: ``tls`` (protocol floor and cipher lists, defaults
below), ``fips`` and ``enhanced_security``. Read and written only by the policy room, through
the shared document helpers in :mod:`certyard.db.documents`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from certyard.db.documents import read_document

__all__ = ["TLS_DEFAULTS", "load_tls", "stored_tls_policy"]

TLS_DEFAULTS: dict[str, Any] = {
    "min_version": "1.2",  # seed 002: fresh install, 1.0 and 1.1 disabled
    "all_ciphers": None,
    "https_ciphers": None,
    "sip_ciphers": None,
    "ssh_ciphers": None,
    "ssh_kex": None,
    "ssh_macs": None,
    "https_cipher_option": "rsa-only",
}


def stored_tls_policy(s: Session) -> dict[str, Any] | None:
    """The TLS policy as stored (None when never set: the listeners use their defaults)."""
    value = read_document(s, "tls")
    return value or None


def load_tls(s: Session) -> dict[str, Any]:
    value = dict(TLS_DEFAULTS)
    value.update({k: v for k, v in read_document(s, "tls").items()})
    return value
