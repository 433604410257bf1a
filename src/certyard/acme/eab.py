"""External Account Binding keys (RFC 8555 7.3.4): HMAC keys an administrator creates for a
profile and hands to whoever may register there. The key is sealed under the master key
(verifying a MAC needs it), shown once at creation, and binds at most one account."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.acme.problems import AcmeProblem
from certyard.acme.profiles import get_profile_row
from certyard.audit import record_event
from certyard.db.models.acme import AcmeEabKey, AcmeProfile
from certyard.errors import Conflict, NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["EabKeyCreated", "EabKeyView", "create_eab_key", "list_eab_keys",
           "revoke_eab_key", "verify_eab"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _aad(kid: str) -> bytes:
    return b"certyard/acme-eab/" + kid.encode()


@dataclass(frozen=True, kw_only=True)
class EabKeyView:
    kid: str
    profile: str
    description: str
    created_at: str
    created_by: str
    status: str  # unused|bound|revoked
    account: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class EabKeyCreated(EabKeyView):
    hmac_key: str  # base64url, shown once

    def __repr__(self) -> str:
        return f"EabKeyCreated(kid={self.kid!r}, hmac_key=<hidden>)"


def _view(row: AcmeEabKey, profile: str, account: str | None) -> EabKeyView:
    status = "revoked" if row.revoked_at else ("bound" if row.account_id else "unused")
    return EabKeyView(kid=row.kid, profile=profile, description=row.description,
                      created_at=row.created_at.isoformat(), created_by=row.created_by,
                      status=status, account=account)


def _account_rid(s: Session, account_id: int | None) -> str | None:
    from certyard.db.models.acme import AcmeAccount

    if account_id is None:
        return None
    return s.scalar(select(AcmeAccount.rid).where(AcmeAccount.id == account_id))


def _hmac_key() -> bytes:
    """32 random bytes whose base64url form does not start with '-': ACME clients take the
    key as a command-line argument (``certbot --eab-hmac-key KEY``), where a leading dash
    reads as an option (1 key in 64 otherwise; the excluded values cost 0.02 bits)."""
    while True:
        key = secrets.token_bytes(32)
        if key[0] >> 2 != 62:  # the first base64 digit: 62 is '-'
            return key


def create_eab_key(ctx: AppContext, profile: str, *, description: str = "") -> EabKeyCreated:
    """A new key ID and HMAC key for PROFILE. The HMAC key is returned this once."""
    kid = "eab-" + secrets.token_urlsafe(12)
    key = _hmac_key()
    now = ctx.clock.now()
    with ctx.transaction() as s:
        prof = get_profile_row(s, profile)
        row = AcmeEabKey(kid=kid, profile_id=prof.id,
                         hmac_sealed=ctx.master_key.seal(key, aad=_aad(kid)),
                         description=" ".join(description.split())[:500], created_at=now,
                         created_by=ctx.actor.name[:200])
        s.add(row)
        s.flush()
        record_event(s, ctx, action="acme.eab.create", target=f"eab key {kid}",
                     details={"profile": prof.name})
        v = _view(row, prof.name, None)
    return EabKeyCreated(**v.__dict__, hmac_key=_b64(key))


def list_eab_keys(ctx: AppContext, *, profile: str | None = None) -> list[EabKeyView]:
    with ctx.read() as s:
        q = select(AcmeEabKey, AcmeProfile.name).join(
            AcmeProfile, AcmeProfile.id == AcmeEabKey.profile_id).order_by(AcmeEabKey.id)
        if profile is not None:
            q = q.where(AcmeProfile.id == get_profile_row(s, profile).id)
        return [_view(r, name, _account_rid(s, r.account_id)) for r, name in s.execute(q)]


def revoke_eab_key(ctx: AppContext, kid: str) -> EabKeyView:
    """The key can no longer register an account (an account it bound keeps working;
    deactivate that account to end it)."""
    with ctx.transaction() as s:
        row = s.scalar(select(AcmeEabKey).where(AcmeEabKey.kid == kid))
        if row is None:
            raise NotFound("EAB key", kid)
        if row.revoked_at is not None:
            raise Conflict(f"EAB key {kid} is already revoked")
        row.revoked_at = ctx.clock.now()
        s.flush()
        name = s.get(AcmeProfile, row.profile_id).name  # type: ignore[union-attr]
        record_event(s, ctx, action="acme.eab.revoke", target=f"eab key {kid}",
                     details={"profile": name})
        return _view(row, name, _account_rid(s, row.account_id))


def verify_eab(ctx: AppContext, s: Session, profile: AcmeProfile, eab: Any,
               account_jwk: dict[str, Any], url: str) -> AcmeEabKey:
    """Check an ``externalAccountBinding`` JWS: HS256/384/512 over the account's public key,
    by a live, unused key of this profile, for the newAccount URL. Returns the key row
    (locked) for the caller to bind."""
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import OctKey

    from certyard.acme.jose import jws_registry

    if not isinstance(eab, dict) or set(eab) - {"protected", "payload", "signature"}:
        raise AcmeProblem("malformed", "externalAccountBinding must be a flattened JWS")
    try:
        header = json.loads(base64.urlsafe_b64decode(
            str(eab.get("protected", "")) + "=" * (-len(str(eab.get("protected", ""))) % 4)))
    except (ValueError, TypeError):
        raise AcmeProblem("malformed", "externalAccountBinding has an unreadable "
                          "protected header") from None
    if not isinstance(header, dict) or header.get("alg") not in ("HS256", "HS384", "HS512") \
            or "nonce" in header or header.get("url") != url \
            or not isinstance(header.get("kid"), str):
        raise AcmeProblem("malformed", "externalAccountBinding needs alg HS256/HS384/HS512, a "
                          "kid, the newAccount url and no nonce")
    row = s.scalar(select(AcmeEabKey).where(AcmeEabKey.kid == header["kid"][:64])
                   .with_for_update())
    if row is None or row.profile_id != profile.id or row.revoked_at is not None:
        raise AcmeProblem("unauthorized", "unknown or revoked external account key ID")
    if row.account_id is not None:
        raise AcmeProblem("unauthorized", "this external account key is already bound to "
                          "an account")
    key = OctKey.import_key(ctx.master_key.open(row.hmac_sealed, aad=_aad(row.kid)))
    try:
        registry = jws_registry(["HS256", "HS384", "HS512"])
        obj = jws.deserialize_json(eab, key, registry=registry)  # type: ignore[call-overload]
        payload = json.loads(obj.payload)
    except (JoseError, ValueError):
        raise AcmeProblem("unauthorized", "the external account binding's MAC does not "
                          "verify") from None
    if payload != account_jwk:
        raise AcmeProblem("unauthorized", "the external account binding signs a different "
                          "account key")
    return row
