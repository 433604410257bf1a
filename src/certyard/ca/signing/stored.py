"""Where a CA key is recorded: a ``private_key`` row either seals the key itself (DER) or,
for a token key, a reference to it (module, token, label/ID and the PIN or where to read
it), sealed under the master key the same way, so the PIN is never in the database in
clear. Token rows are marked by ``key_type`` ``p11:RSA``/``p11:EC``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from certyard.ca.signing.base import KeyLocation, Signer
from certyard.ca.signing.filekey import SealedFileSigner
from certyard.ca.signing.pkcs11 import Pkcs11Signer, TokenRef
from certyard.db.models import PrivateKey
from certyard.store import open_private_key
from certyard.x509 import key_description, public_sha256

__all__ = ["TOKEN_PREFIX", "is_token_row", "location_of", "open_signer", "seal_token_ref",
           "token_ref"]

TOKEN_PREFIX = "p11:"  # noqa: S105 (a key_type marker, not a secret)


def is_token_row(row: PrivateKey) -> bool:
    return row.key_type.startswith(TOKEN_PREFIX)


def seal_token_ref(s: Session, master: Any, ref: TokenRef, public_key: Any, *,
                   now: Any) -> PrivateKey:
    key_type, size = key_description(public_key)
    pub = public_sha256(public_key)
    blob = json.dumps({"pkcs11": ref.to_json()}, sort_keys=True).encode()
    row = PrivateKey(key_type=TOKEN_PREFIX + key_type, key_size=size, public_sha256=pub,
                     sealed=master.seal(blob, aad=pub.encode()), created_at=now)
    s.add(row)
    s.flush()
    return row


def token_ref(master: Any, row: PrivateKey) -> TokenRef:
    value = json.loads(master.open(row.sealed, aad=row.public_sha256.encode()))
    return TokenRef.from_json(value["pkcs11"])


def location_of(master: Any, row: PrivateKey | None) -> KeyLocation | None:
    if row is None:
        return None
    if is_token_row(row):
        return token_ref(master, row).location
    return KeyLocation(kind="sealed-file")


def open_signer(master: Any, row: PrivateKey, public_key: Any) -> Signer:
    if is_token_row(row):
        return Pkcs11Signer(token_ref(master, row), public_key)
    return SealedFileSigner(open_private_key(master, row))
