"""Orders, authorizations and challenges (RFC 8555 7.1.3-7.1.6, 7.4, 7.5): creating an
order under the profile's policy, answering challenges (validated in the background),
finalizing through the CA's request queue, and following that request to ``valid`` or
``invalid`` (approval by an administrator when the profile requires it)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certyard.acme.jose import Urls, Verified
from certyard.acme.problems import AcmeProblem
from certyard.acme.profiles import check_identifiers
from certyard.acme.protocol import Reply, rid
from certyard.audit import record_event
from certyard.db.models.acme import AcmeAccount, AcmeAuthz, AcmeChallenge, AcmeOrder, AcmeProfile
from certyard.db.models.ca import CaRequest

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["authz_body", "challenge_body", "new_order", "order_body", "refresh_order"]

ORDER_LIFETIME = dt.timedelta(days=7)
RETRY_PROCESSING = 3


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _problem(acme_type: str, detail: str) -> dict[str, Any]:
    return {"type": f"urn:ietf:params:acme:error:{acme_type}", "detail": detail}


def order_body(s: Session, urls: Urls, o: AcmeOrder) -> dict[str, Any]:
    authz = s.scalars(select(AcmeAuthz.rid).where(AcmeAuthz.order_id == o.id)
                      .order_by(AcmeAuthz.id))
    body: dict[str, Any] = {"status": o.status, "expires": _iso(o.expires_at),
                            "identifiers": list(o.identifiers),
                            "authorizations": [urls.authz(a) for a in authz],
                            "finalize": urls.finalize(o.rid)}
    if o.status == "valid":
        body["certificate"] = urls.certificate(o.rid)
    if o.error:
        body["error"] = dict(o.error)
    if o.replaces:
        body["replaces"] = o.replaces
    return body


def challenge_body(urls: Urls, c: AcmeChallenge) -> dict[str, Any]:
    body: dict[str, Any] = {"type": c.type, "url": urls.challenge(c.rid), "status": c.status,
                            "token": c.token}
    if c.validated_at:
        body["validated"] = _iso(c.validated_at)
    if c.error:
        body["error"] = dict(c.error)
    return body


def authz_body(s: Session, urls: Urls, a: AcmeAuthz) -> dict[str, Any]:
    challenges = s.scalars(select(AcmeChallenge).where(AcmeChallenge.authz_id == a.id)
                           .order_by(AcmeChallenge.id))
    body: dict[str, Any] = {"identifier": {"type": a.identifier_type,
                                           "value": a.identifier_value},
                            "status": a.status, "expires": _iso(a.expires_at),
                            "challenges": [challenge_body(urls, c) for c in challenges]}
    if a.wildcard:
        body["wildcard"] = True
    return body


def _challenge_types(kind: str, wildcard: bool) -> list[str]:
    if wildcard:
        return ["dns-01"]
    if kind == "ip":
        return ["http-01", "tls-alpn-01"]
    return ["http-01", "dns-01", "tls-alpn-01"]


def new_order(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified) -> Reply:
    account = v.account
    assert account is not None
    payload = v.json()
    if payload.get("notBefore") is not None or payload.get("notAfter") is not None:
        raise AcmeProblem("malformed", "notBefore/notAfter are not supported; the profile "
                          "sets the lifetime")
    from certyard.ca.config import load_settings

    identifiers = check_identifiers(prof, payload.get("identifiers"),
                                    ca_wildcards=load_settings(s).allow_wildcards)
    replaces = payload.get("replaces")
    if replaces is not None and (not isinstance(replaces, str) or len(replaces) > 200):
        raise AcmeProblem("malformed", "replaces must be an ARI certificate identifier")
    now = ctx.clock.now()
    if prof.orders_per_hour:
        recent = s.scalar(select(func.count(AcmeOrder.id)).where(
            AcmeOrder.account_id == account.id,
            AcmeOrder.created_at > now - dt.timedelta(hours=1))) or 0
        if recent >= prof.orders_per_hour:
            raise AcmeProblem("rateLimited", f"at most {prof.orders_per_hour} orders per hour "
                              "per account in this directory", retry_after=600)
    expires = now + ORDER_LIFETIME
    order = AcmeOrder(rid=rid(), account_id=account.id, status="pending",
                      identifiers=identifiers, expires_at=expires, replaces=replaces,
                      created_at=now, updated_at=now)
    s.add(order)
    s.flush()
    for ident in identifiers:
        wildcard = ident["type"] == "dns" and ident["value"].startswith("*.")
        authz = AcmeAuthz(rid=rid(), order_id=order.id, identifier_type=ident["type"],
                          identifier_value=ident["value"][2:] if wildcard else ident["value"],
                          wildcard=wildcard, status="pending", expires_at=expires)
        s.add(authz)
        s.flush()
        token = rid() + rid()
        for kind in _challenge_types(ident["type"], wildcard):
            s.add(AcmeChallenge(rid=rid(), authz_id=authz.id, type=kind, token=token,
                                status="pending"))
    s.flush()
    record_event(s, ctx, action="acme.order.create", target=f"acme order {order.rid}",
                 details={"profile": prof.name, "account": account.rid,
                          "identifiers": [i["value"] for i in identifiers]})
    return Reply(status=201, body=order_body(s, urls, order), location=urls.order(order.rid))


def owned_order(s: Session, account: AcmeAccount | None, order_rid: str, *,
                lock: bool = False) -> AcmeOrder:
    q = select(AcmeOrder).where(AcmeOrder.rid == order_rid[:32])
    o = s.scalar(q.with_for_update() if lock else q)
    if o is None or account is None:
        raise AcmeProblem("malformed", "no such order for this account")
    if o.account_id != account.id:
        raise AcmeProblem("unauthorized", "this order belongs to another account")
    return o


def refresh_order(ctx: AppContext, s: Session, o: AcmeOrder) -> AcmeOrder:
    """Move an order on from what happened elsewhere: its authorizations' results, the
    CA request's decision (issued or denied by an administrator), expiry."""
    now = ctx.clock.now()
    before = o.status
    if o.status in ("pending", "ready") and o.expires_at <= now:
        o.status, o.error = "invalid", _problem("malformed", "the order expired")
    elif o.status == "pending":
        states = list(s.scalars(select(AcmeAuthz.status).where(AcmeAuthz.order_id == o.id)))
        if any(x == "invalid" for x in states):
            o.status = "invalid"
            o.error = _failed_challenge_error(s, o) or _problem(
                "unauthorized", "an authorization failed")
        elif states and all(x == "valid" for x in states):
            o.status = "ready"
    elif o.status == "processing" and o.request_id is not None:
        req = s.get(CaRequest, o.request_id)
        if req is None:
            o.status, o.error = "invalid", _problem("serverInternal",
                                                    "the certificate request is gone")
        elif req.state == "issued" and req.serial:
            o.status, o.serial = "valid", req.serial
        elif req.state == "denied":
            o.status = "invalid"
            o.error = _problem("unauthorized", "the administrator denied the request: "
                               f"{req.reason or 'no reason given'}")
    if o.status != before:
        o.updated_at = now
        s.flush()
        record_event(s, ctx, action=f"acme.order.{o.status}", target=f"acme order {o.rid}",
                     details={"serial": o.serial, "error": (o.error or {}).get("detail")})
    return o


def _failed_challenge_error(s: Session, o: AcmeOrder) -> dict[str, Any] | None:
    err = s.scalar(select(AcmeChallenge.error).join(
        AcmeAuthz, AcmeAuthz.id == AcmeChallenge.authz_id).where(
        AcmeAuthz.order_id == o.id, AcmeChallenge.status == "invalid"))
    return dict(err) if err else None


def get_order(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified,
              order_rid: str) -> Reply:
    o = refresh_order(ctx, s, owned_order(s, v.account, order_rid))
    return Reply(body=order_body(s, urls, o), location=urls.order(o.rid),
                 retry_after=RETRY_PROCESSING if o.status == "processing" else None)


def list_account_orders(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified,
                        account_rid: str) -> Reply:
    a = v.account
    if a is None or a.rid != account_rid:
        raise AcmeProblem("unauthorized", "these are not the signer's orders")
    rids = s.scalars(select(AcmeOrder.rid).where(
        AcmeOrder.account_id == a.id,
        AcmeOrder.status.in_(("pending", "ready", "processing", "valid")))
        .order_by(AcmeOrder.id.desc()).limit(1000))
    return Reply(body={"orders": [urls.order(r) for r in rids]})


def _owned_authz(s: Session, account: AcmeAccount | None, authz_rid: str, *,
                 what: str = "authorization") -> AcmeAuthz:
    a = s.scalar(select(AcmeAuthz).where(AcmeAuthz.rid == authz_rid[:32]))
    if a is None or account is None:
        raise AcmeProblem("malformed", "no such authorization for this account")
    if s.scalar(select(AcmeOrder.account_id).where(AcmeOrder.id == a.order_id)) != account.id:
        raise AcmeProblem("unauthorized", f"this {what} belongs to another account")
    return a


def get_authz(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified,
              authz_rid: str) -> Reply:
    a = _owned_authz(s, v.account, authz_rid)
    if not v.post_as_get:
        if v.json().get("status") != "deactivated":
            raise AcmeProblem("malformed", "an authorization can only become deactivated")
        if a.status in ("pending", "valid"):
            a.status = "deactivated"
            s.flush()
            record_event(s, ctx, action="acme.authz.deactivate",
                         target=f"acme authz {a.rid}", details={"value": a.identifier_value})
    processing = s.scalar(select(func.count(AcmeChallenge.id)).where(
        AcmeChallenge.authz_id == a.id, AcmeChallenge.status == "processing"))
    return Reply(body=authz_body(s, urls, a), retry_after=1 if processing else None)


def respond_challenge(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified,
                      challenge_rid: str) -> Reply:
    """POST {} starts validation (in the background); POST-as-GET reads the state."""
    c = s.scalar(select(AcmeChallenge).where(AcmeChallenge.rid == challenge_rid[:32])
                 .with_for_update())  # one validation per challenge, whatever the replicas
    if c is None:
        raise AcmeProblem("malformed", "no such challenge")
    authz = _owned_authz(s, v.account, s.get(AcmeAuthz, c.authz_id).rid,  # type: ignore[union-attr]
                         what="challenge")
    start = False
    if not v.post_as_get:
        v.json()  # {} (or any object: RFC 8555 7.5.1)
        if c.status == "pending" and authz.status == "pending":
            if authz.expires_at <= ctx.clock.now():
                raise AcmeProblem("malformed", "the authorization expired")
            c.status, c.started_at = "processing", ctx.clock.now()
            s.flush()
            start = True
            record_event(s, ctx, action="acme.challenge.respond",
                         target=f"acme challenge {c.rid}",
                         details={"type": c.type, "value": authz.identifier_value})
    body = challenge_body(urls, c)
    reply = Reply(body=body, links=[(urls.authz(authz.rid), "up")],
                  retry_after=1 if c.status == "processing" else None)
    if start:
        from certyard.acme.validation import start_validation

        cid = c.id

        def _after() -> None:
            start_validation(ctx, cid)

        reply.after = _after
    return reply
