"""Running a challenge's validation in the background and recording the outcome. The
validators (``certyard.acme.challenges``) connect to the identifier itself, with the
ports, resolver and allowed networks of the ACME settings; never to a URL the client
gave."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from certyard.acme.settings import acme_settings
from certyard.audit import record_event
from certyard.db.models.acme import AcmeAccount, AcmeAuthz, AcmeChallenge, AcmeOrder

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["run_validation", "start_validation"]

log = logging.getLogger("certyard.acme")


def start_validation(ctx: AppContext, challenge_id: int) -> threading.Thread:
    t = threading.Thread(target=run_validation, args=(ctx, challenge_id),
                         name=f"acme-validate-{challenge_id}", daemon=True)
    t.start()
    return t


def _validate(kind: str, id_type: str, value: str, token: str, key_auth: str,
              settings: Any) -> None:
    from certyard.acme import challenges

    cfg = challenges.ValidationConfig(
        http_port=settings.http_port, tlsalpn_port=settings.tlsalpn_port,
        dns_resolver=settings.resolver(), allowed_networks=tuple(settings.allowed_networks),
        timeout=float(settings.timeout))
    challenges.validate(kind, id_type, value, token, key_auth, cfg)


def run_validation(ctx: AppContext, challenge_id: int) -> None:
    """Validate once; the challenge, its authorization and order move to valid/invalid."""
    from certyard.acme.orders import refresh_order

    with ctx.read() as s:
        c = s.get(AcmeChallenge, challenge_id)
        if c is None or c.status != "processing":
            return
        authz = s.get(AcmeAuthz, c.authz_id)
        assert authz is not None
        order = s.get(AcmeOrder, authz.order_id)
        assert order is not None
        thumb = s.scalar(select(AcmeAccount.thumbprint).where(
            AcmeAccount.id == order.account_id))
        kind, id_type, value, token = c.type, authz.identifier_type, authz.identifier_value, \
            c.token
    key_auth = f"{token}.{thumb}"
    error: dict[str, Any] | None = None
    try:
        _validate(kind, id_type, value, token, key_auth, acme_settings(ctx))
    except Exception as exc:  # a validator's failure, or a bug: either way invalid
        acme_type = getattr(exc, "acme_type", None) or "serverInternal"
        if acme_type == "serverInternal":
            log.exception("validation of challenge %s failed unexpectedly", challenge_id)
        detail = " ".join(str(exc).split())[:500] or "validation failed"
        error = {"type": f"urn:ietf:params:acme:error:{acme_type}", "detail": detail,
                 "identifier": {"type": id_type, "value": value}}
    now = ctx.clock.now()
    with ctx.transaction() as s:
        c = s.get(AcmeChallenge, challenge_id)
        if c is None or c.status != "processing":
            return
        authz = s.get(AcmeAuthz, c.authz_id)
        assert authz is not None
        c.status, c.validated_at, c.error = ("invalid", None, error) if error else \
            ("valid", now, None)
        if authz.status == "pending":
            authz.status = c.status
        s.flush()
        record_event(s, ctx, action=f"acme.challenge.{c.status}",
                     target=f"acme challenge {c.rid}", outcome="success" if not error
                     else "failure", details={"type": kind, "value": value,
                                              "error": (error or {}).get("detail")})
        order = s.get(AcmeOrder, authz.order_id)
        assert order is not None
        refresh_order(ctx, s, order)
