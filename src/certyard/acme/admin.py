"""What administrators see and do with ACME accounts and orders (CLI, API, web)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from certyard.acme.orders import refresh_order
from certyard.acme.profiles import get_profile_row
from certyard.audit import record_event
from certyard.db.models.acme import AcmeAccount, AcmeAuthz, AcmeChallenge, AcmeOrder, AcmeProfile
from certyard.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["AccountView", "OrderView", "deactivate_account", "list_accounts", "list_orders",
           "show_order"]

ORDER_STATES = ("pending", "ready", "processing", "valid", "invalid")


@dataclass(frozen=True, kw_only=True)
class AccountView:
    id: str
    profile: str
    status: str
    contact: list[str]
    tos_agreed: bool
    eab_kid: str | None
    key_thumbprint: str
    created_at: str
    orders: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class OrderView:
    id: str
    profile: str
    account: str
    status: str
    identifiers: list[str]
    created_at: str
    expires_at: str
    request_id: int | None
    serial: str | None
    error: str | None
    authorizations: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def list_accounts(ctx: AppContext, *, profile: str | None = None) -> list[AccountView]:
    with ctx.read() as s:
        q = select(AcmeAccount, AcmeProfile.name).join(
            AcmeProfile, AcmeProfile.id == AcmeAccount.profile_id).order_by(AcmeAccount.id)
        if profile is not None:
            q = q.where(AcmeAccount.profile_id == get_profile_row(s, profile).id)
        out = []
        for a, name in s.execute(q).all():
            count = len(list(s.scalars(select(AcmeOrder.id).where(
                AcmeOrder.account_id == a.id))))
            out.append(AccountView(id=a.rid, profile=name, status=a.status,
                                   contact=list(a.contact), tos_agreed=a.tos_agreed,
                                   eab_kid=a.eab_kid, key_thumbprint=a.thumbprint,
                                   created_at=a.created_at.isoformat(), orders=count))
        return out


def deactivate_account(ctx: AppContext, account_id: str) -> AccountView:
    """The account can no longer sign requests; its certificates stay valid (revoke them
    with the CA if they must go)."""
    with ctx.transaction() as s:
        a = s.scalar(select(AcmeAccount).where(AcmeAccount.rid == account_id))
        if a is None:
            raise NotFound("ACME account", account_id)
        if a.status != "valid":
            raise Conflict(f"ACME account {account_id} is already {a.status}")
        a.status = "deactivated"
        s.flush()
        record_event(s, ctx, action="acme.account.deactivate",
                     target=f"acme account {a.rid}", details={"by": "administrator"})
    return next(v for v in list_accounts(ctx) if v.id == account_id)


def _order_view(s: Any, o: AcmeOrder, *, detail: bool) -> OrderView:
    account = s.get(AcmeAccount, o.account_id)
    profile = s.get(AcmeProfile, account.profile_id)
    authz: list[dict[str, Any]] = []
    if detail:
        for a in s.scalars(select(AcmeAuthz).where(AcmeAuthz.order_id == o.id)):
            chals = [{"type": c.type, "status": c.status,
                      "error": (c.error or {}).get("detail")}
                     for c in s.scalars(select(AcmeChallenge).where(
                         AcmeChallenge.authz_id == a.id))]
            authz.append({"identifier": f"{a.identifier_type}:{a.identifier_value}",
                          "wildcard": a.wildcard, "status": a.status, "challenges": chals})
    return OrderView(id=o.rid, profile=profile.name, account=account.rid, status=o.status,
                     identifiers=[i["value"] for i in o.identifiers],
                     created_at=o.created_at.isoformat(), expires_at=o.expires_at.isoformat(),
                     request_id=o.request_id, serial=o.serial,
                     error=(o.error or {}).get("detail"), authorizations=authz)


def list_orders(ctx: AppContext, *, profile: str | None = None, status: str | None = None,
                limit: int = 1000) -> list[OrderView]:
    """Newest first; processing orders are brought up to date with the CA's queue."""
    if status is not None and status not in ORDER_STATES:
        raise InvalidInput(f"status must be one of {', '.join(ORDER_STATES)}", field="status")
    with ctx.transaction() as s:
        q = select(AcmeOrder).order_by(AcmeOrder.id.desc()).limit(limit)
        if profile is not None:
            prof = get_profile_row(s, profile)
            q = q.join(AcmeAccount, AcmeAccount.id == AcmeOrder.account_id).where(
                AcmeAccount.profile_id == prof.id)
        rows = [refresh_order(ctx, s, o) for o in s.scalars(q)]
        return [_order_view(s, o, detail=False) for o in rows
                if status is None or o.status == status]


def show_order(ctx: AppContext, order_id: str) -> OrderView:
    with ctx.transaction() as s:
        o = s.scalar(select(AcmeOrder).where(AcmeOrder.rid == order_id))
        if o is None:
            raise NotFound("ACME order", order_id)
        return _order_view(s, refresh_order(ctx, s, o), detail=True)
