"""The ACME request pipeline and the account resource (RFC 8555 7.3).

``handle`` runs one signed POST: parse the JWS, consume its nonce (committed on its own, so
a failed request still spends it), then verify and act in one transaction. Work that must
follow the commit (validation, issuance through the CA) is the reply's ``after``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.acme.eab import verify_eab
from certyard.acme.jose import (
    ACCOUNT_ALGORITHMS,
    Urls,
    Verified,
    check_signature,
    consume_nonce,
    import_jwk,
    parse_jws,
    thumbprint,
    verify_request,
)
from certyard.acme.problems import AcmeProblem
from certyard.acme.profiles import get_profile_row
from certyard.audit import record_event
from certyard.db.models.acme import AcmeAccount, AcmeProfile
from certyard.errors import NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["Reply", "directory", "handle", "new_account", "rid", "update_account"]

Action = Callable[[Any, Session, AcmeProfile, Urls, Verified], "Reply"]


def rid() -> str:
    return secrets.token_urlsafe(12)


@dataclass(kw_only=True)
class Reply:
    status: int = 200
    body: dict[str, Any] | bytes | None = None
    content_type: str = "application/json"
    location: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (url, rel)
    retry_after: int | None = None
    after: Callable[[], Reply | None] | None = None


def _profile(s: Session, name: str) -> AcmeProfile:
    try:
        return get_profile_row(s, name)
    except NotFound:
        raise AcmeProblem("malformed", f"no ACME directory named {name[:64]}") from None


def directory(ctx: AppContext, urls: Urls) -> dict[str, Any]:
    with ctx.read() as s:
        prof = _profile(s, urls.profile)
        meta: dict[str, Any] = {"externalAccountRequired": prof.eab_required,
                                "profiles": {prof.name: prof.description or prof.name}}
        if prof.terms_url:
            meta["termsOfService"] = prof.terms_url
    return {"newNonce": urls.new_nonce, "newAccount": urls.new_account,
            "newOrder": urls.new_order, "revokeCert": urls.revoke_cert,
            "keyChange": urls.key_change, "renewalInfo": urls.renewal_info, "meta": meta}


def handle(ctx: AppContext, urls: Urls, url: str, body: bytes, action: Action, *,
           use_jwk: bool | None = False) -> Reply:
    _, header = parse_jws(body)
    if header.get("alg") not in ACCOUNT_ALGORITHMS:
        raise AcmeProblem("badSignatureAlgorithm",
                          f"alg must be one of {', '.join(ACCOUNT_ALGORITHMS)}")
    with ctx.transaction() as s:
        consume_nonce(s, header.get("nonce"), ctx.clock.now())
    with ctx.transaction() as s:
        prof = _profile(s, urls.profile)
        verified = verify_request(ctx, s, prof, urls, body, url, use_jwk=use_jwk)
        reply = action(ctx, s, prof, urls, verified)
    while reply.after is not None:
        then = reply.after()
        reply.after = None
        if then is not None:
            reply = then
    return reply


# --- accounts -----------------------------------------------------------------------------

_MAILTO = re.compile(r"^mailto:[^@\s,;:<>]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def _contacts(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 10:
        raise AcmeProblem("malformed", "contact must be a list of at most 10 URLs")
    out = []
    for c in value:
        if not isinstance(c, str):
            raise AcmeProblem("malformed", "each contact is a URL string")
        if not c.startswith("mailto:"):
            raise AcmeProblem("unsupportedContact", "only mailto: contacts are supported")
        if not _MAILTO.match(c) or len(c) > 254:
            raise AcmeProblem("invalidContact", f"{c[:80]!r} is not a mailto: address")
        out.append(c)
    return out


def account_body(urls: Urls, a: AcmeAccount) -> dict[str, Any]:
    body: dict[str, Any] = {"status": a.status, "contact": list(a.contact),
                            "orders": urls.orders(a.rid),
                            "termsOfServiceAgreed": a.tos_agreed}
    if a.eab_kid:
        body["externalAccountBinding"] = {"kid": a.eab_kid}
    return body


def new_account(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified) -> Reply:
    payload = v.json()
    thumb = thumbprint(v.jwk)
    existing = s.scalar(select(AcmeAccount).where(AcmeAccount.profile_id == prof.id,
                                                  AcmeAccount.thumbprint == thumb))
    if existing is not None:
        if existing.status != "valid":
            raise AcmeProblem("unauthorized", f"the account is {existing.status}")
        return Reply(status=200, body=account_body(urls, existing),
                     location=urls.account(existing.rid))
    if payload.get("onlyReturnExisting") is True:
        raise AcmeProblem("accountDoesNotExist", "no account exists with this key")
    contact = _contacts(payload.get("contact"))
    agreed = payload.get("termsOfServiceAgreed") is True
    if prof.terms_url and not agreed:
        raise AcmeProblem("userActionRequired", "agree to the terms of service first")
    eab_row = None
    if payload.get("externalAccountBinding") is not None:
        eab_row = verify_eab(ctx, s, prof, payload["externalAccountBinding"], v.jwk,
                             urls.new_account)
    elif prof.eab_required:
        raise AcmeProblem("externalAccountRequired", "this directory requires an external "
                          "account binding (ask the administrator for an EAB key)")
    account = AcmeAccount(rid=rid(), profile_id=prof.id, thumbprint=thumb, jwk=v.jwk,
                          contact=contact, status="valid", tos_agreed=agreed,
                          eab_kid=eab_row.kid if eab_row else None,
                          created_at=ctx.clock.now())
    s.add(account)
    s.flush()
    if eab_row is not None:
        eab_row.account_id = account.id
    record_event(s, ctx, action="acme.account.create", target=f"acme account {account.rid}",
                 details={"profile": prof.name, "contact": contact,
                          "eab_kid": account.eab_kid})
    return Reply(status=201, body=account_body(urls, account),
                 location=urls.account(account.rid))


def update_account(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified,
                   account_rid: str) -> Reply:
    a = v.account
    assert a is not None
    if a.rid != account_rid:
        raise AcmeProblem("unauthorized", "this account URL is not the signer's account")
    if v.post_as_get:
        return Reply(body=account_body(urls, a), location=urls.account(a.rid))
    payload = v.json()
    changes: dict[str, Any] = {}
    if "contact" in payload:
        a.contact = changes["contact"] = _contacts(payload["contact"])
    if payload.get("termsOfServiceAgreed") is True and not a.tos_agreed:
        a.tos_agreed = changes["termsOfServiceAgreed"] = True
    if "status" in payload:
        if payload["status"] != "deactivated":
            raise AcmeProblem("malformed", "an account's status can only become deactivated")
        a.status = changes["status"] = "deactivated"
    s.flush()
    if changes:
        action = "acme.account.deactivate" if "status" in changes else "acme.account.update"
        record_event(s, ctx, action=action, target=f"acme account {a.rid}", details=changes)
    return Reply(body=account_body(urls, a), location=urls.account(a.rid))


def key_change(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified) -> Reply:
    """RFC 8555 7.3.5: the payload is a JWS by the new key over {account, oldKey}."""
    a = v.account
    assert a is not None
    inner_obj, inner = parse_jws(v.payload)
    if inner.get("alg") not in ACCOUNT_ALGORITHMS:
        raise AcmeProblem("badSignatureAlgorithm", "the inner JWS has an unsupported alg")
    if "jwk" not in inner or "kid" in inner or "nonce" in inner:
        raise AcmeProblem("malformed", "the inner JWS needs a jwk and neither kid nor nonce")
    if inner.get("url") != v.header.get("url"):
        raise AcmeProblem("malformed", "the inner JWS url differs from the outer one")
    new_key = import_jwk(inner["jwk"])
    body = check_signature(inner_obj, new_key, [inner["alg"]])
    import json

    try:
        payload = json.loads(body)
    except ValueError:
        raise AcmeProblem("malformed", "the inner payload is not JSON") from None
    if not isinstance(payload, dict) or payload.get("account") != urls.account(a.rid):
        raise AcmeProblem("malformed", "the inner payload names another account")
    old = payload.get("oldKey")
    if not isinstance(old, dict) or thumbprint(old) != a.thumbprint:
        raise AcmeProblem("malformed", "oldKey is not the account's current key")
    new_jwk = dict(new_key.as_dict(private=False))
    new_thumb = thumbprint(new_jwk)
    other = s.scalar(select(AcmeAccount).where(AcmeAccount.profile_id == prof.id,
                                               AcmeAccount.thumbprint == new_thumb))
    if other is not None:
        raise AcmeProblem("malformed", "the new key belongs to another account already",
                          conflicting_account=urls.account(other.rid))
    a.jwk, a.thumbprint = new_jwk, new_thumb
    s.flush()
    record_event(s, ctx, action="acme.account.key_change", target=f"acme account {a.rid}",
                 details={"thumbprint": new_thumb})
    return Reply(body=account_body(urls, a), location=urls.account(a.rid))
