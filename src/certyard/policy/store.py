"""Reading and merging the policy's JSON documents in the ``setting`` table.

Several rooms share some documents (``auth_rules`` belongs to accounts, ``syslog`` to audit):
writes here merge keys into the existing dict and never drop keys this room does not own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from certyard.db.models import Setting

__all__ = ["TLS_DEFAULTS", "load_setting", "load_tls", "merge_setting"]

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


def load_setting(s: Session, name: str) -> dict[str, Any]:
    row = s.get(Setting, name)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def load_tls(s: Session) -> dict[str, Any]:
    value = dict(TLS_DEFAULTS)
    value.update({k: v for k, v in load_setting(s, "tls").items()})
    return value


def merge_setting(s: Session, name: str, changes: dict[str, Any], *,
                  now: dt.datetime) -> dict[str, Any]:
    """Write ``changes`` over the stored dict (others' keys stay) and return the result."""
    row = s.get(Setting, name, with_for_update=True)
    if row is None:
        row = Setting(name=name, value={}, updated_at=now)
        s.add(row)
    value = dict(row.value or {})
    value.update(changes)
    row.value = value  # a new dict object, so the JSON column is flagged dirty
    row.updated_at = now
    return value
