"""Where each CA key lives (``certyard ca show``, the web CA page, backups) and the
checks that a token really holds a CA key (``ca import --pkcs11``, restore)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.ca.signing import (
    KeyLocation,
    Pkcs11Signer,
    TokenRef,
    find_token_key,
    is_token_row,
    location_of,
    token_ref,
)
from certyard.db.models import PrivateKey
from certyard.db.models.ca import CaCertificate
from certyard.errors import InvalidInput, KeyMismatch, NotFound, TokenUnavailable

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["CaKeyView", "check_archived_token_keys", "check_token_keys", "describe_ca_keys",
           "token_locations", "token_signer_for"]


@dataclass(frozen=True, kw_only=True)
class CaKeyView:
    id: int
    role: str
    subject: str
    fingerprint_sha256: str
    key: str  # e.g. EC-384
    location: KeyLocation | None  # None: the key is not held here (a parent CA)

    @property
    def where(self) -> str:
        return self.location.describe() if self.location else "not held by certyard"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "subject": self.subject,
                "fingerprint_sha256": self.fingerprint_sha256, "key": self.key,
                "where": self.where,
                "location": self.location.to_dict() if self.location else None}


def _rows(s: Session) -> list[tuple[CaCertificate, PrivateKey | None]]:
    out = []
    for row in s.scalars(select(CaCertificate).where(CaCertificate.active.is_(True))
                         .order_by(CaCertificate.id)):
        key = s.get(PrivateKey, row.private_key_id) if row.private_key_id else None
        out.append((row, key))
    return out


def describe_ca_keys(ctx: AppContext) -> list[CaKeyView]:
    """Every active CA certificate (root, issuing, parents, OCSP responder) and where its
    key lives."""
    from certyard.x509 import key_description

    with ctx.read() as s:
        views = []
        for row, key in _rows(s):
            kt, size = key_description(x509.load_der_x509_certificate(row.der).public_key())
            views.append(CaKeyView(id=row.id, role=row.role, subject=row.subject,
                                   fingerprint_sha256=row.fingerprint_sha256,
                                   key=f"{kt}-{size}",
                                   location=location_of(ctx.master_key, key)))
        return views


def token_locations(master: Any, s: Session) -> list[dict[str, Any]]:
    """For a backup's manifest: the CA keys that are in tokens (and are not in the backup)."""
    return [{"subject": row.subject, "role": row.role, **token_ref(master, key).location
             .to_dict()} for row, key in _rows(s) if key is not None and is_token_row(key)]


def _proves(signer: Pkcs11Signer, public_key: Any) -> bool:
    challenge = secrets.token_bytes(32)
    signature = signer.sign(challenge)
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, challenge, padding.PKCS1v15(), signer.hash_algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, challenge, ec.ECDSA(signer.hash_algorithm))
        else:
            return False
    except Exception:
        return False
    return True


def token_signer_for(ref: TokenRef,
                     certs: list[x509.Certificate]) -> tuple[x509.Certificate, Pkcs11Signer]:
    """The certificate whose key the token holds under ``ref`` (proven by signing a random
    challenge, since a token key's public half may not be readable)."""
    try:
        find_token_key(ref)
    except NotFound:
        raise KeyMismatch(f"token {ref.token!r} has no private key "
                          f"{ref.key_label or ref.key_id!r}") from None
    for cert in certs:
        try:
            signer = Pkcs11Signer(ref, cert.public_key())
        except TypeError:
            continue
        if _proves(signer, cert.public_key()):
            return cert, signer
    raise KeyMismatch("the token key does not belong to the CA certificate")


def _problems(master: Any, pairs: list[tuple[Any, Any]]) -> list[str]:
    problems = []
    for row, key in pairs:
        if key is None or not is_token_row(key):
            continue
        ref = token_ref(master, key)
        cert = x509.load_der_x509_certificate(row.der)
        try:
            if not _proves(Pkcs11Signer(ref, cert.public_key()), cert.public_key()):
                problems.append(f"{row.subject}: the key in token {ref.token!r} does not "
                                "match the CA certificate")
        except (TokenUnavailable, InvalidInput) as exc:
            problems.append(f"{row.subject}: {exc.message}")
    return problems


def check_token_keys(ctx: AppContext) -> list[str]:
    """One line per token-held CA key that its token does not give back (gone, wrong PIN,
    or another key). Empty when every key answers."""
    with ctx.read() as s:
        return _problems(ctx.master_key, _rows(s))


def check_archived_token_keys(master: Any, ca_rows: list[dict[str, Any]],
                              key_rows: list[dict[str, Any]]) -> list[str]:
    """Before a restore: the same check on a backup's (decoded) ``ca_certificate`` and
    ``private_key`` rows, with the backup's master key. The backup holds only references
    to token keys, so a restore is only whole when the tokens still hold them."""
    from types import SimpleNamespace

    keys = {r["id"]: SimpleNamespace(**r) for r in key_rows}
    pairs = [(SimpleNamespace(**r), keys.get(r.get("private_key_id")))
             for r in ca_rows if r.get("active")]
    return _problems(master, pairs)
