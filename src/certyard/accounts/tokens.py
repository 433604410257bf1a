"""Per-user API tokens for scripts. The token is shown once; only its SHA-256 is kept.

A token expires (``api_token_days`` by default, at most ``api_token_max_days`` of the
authentication rules); it is listed and revocable by its owner and by administrators (who
may act only on accounts holding no privilege they lack), and every token of a user ends
with a password reset and with "terminate all sessions". A token acts as its user: while the
user must change the password, the token may do nothing else either.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from certyard.accounts.roles import role_privileges
from certyard.accounts.rules import read_rules
from certyard.accounts.sessions import Principal, token_digest
from certyard.audit import record_event
from certyard.db import snapshot
from certyard.db.models.accounts import ApiToken, User
from certyard.errors import AuthenticationFailed, InvalidInput, NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["TOKEN_PREFIX", "TokenView", "create_token", "end_user_tokens", "list_tokens",
           "resolve_token", "resolve_token_until", "revoke_token"]

TOKEN_PREFIX = "cyt_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True, kw_only=True)
class TokenView:
    id: int
    user: str
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user": self.user, "name": self.name, "prefix": self.prefix,
                "created_at": self.created_at.isoformat(),
                "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
                "expires_at": self.expires_at.isoformat()}


def _expires(t: ApiToken, rules: dict[str, Any]) -> dt.datetime:
    # Tokens made before expiry existed live at most the configured maximum.
    return t.expires_at or t.created_at + dt.timedelta(days=rules["api_token_max_days"])


def create_token(ctx: AppContext, user: str, *, name: str, days: int | None = None
                 ) -> tuple[TokenView, str]:
    """A new token for ``user``, valid ``days`` (default and maximum from the rules)."""
    from certyard.accounts.users import act_on

    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise InvalidInput("a token name is 1 to 64 characters", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.transaction() as s:
        rules = read_rules(s)
        longest = rules["api_token_max_days"]
        if days is None:
            days = min(rules["api_token_days"], longest)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
            raise InvalidInput(f"a token lives 1 to {longest} days", field="days")
        u = s.scalar(select(User).where(User.name == user))
        if u is None:
            raise NotFound("user", user)
        if u.name != ctx.actor.name:
            act_on(s, ctx, u, what="make an API token for")
        now = ctx.clock.now()
        row = ApiToken(token_hash=token_digest(secret), prefix=secret[:10], user_id=u.id,
                       name=name, created_at=now, expires_at=now + dt.timedelta(days=days))
        s.add(row)
        s.flush()
        record_event(s, ctx, action="accounts.token.create", target=user,
                     details={"token": row.id, "name": name, "days": days})
        view = TokenView(id=row.id, user=user, name=name, prefix=row.prefix,
                         created_at=row.created_at, last_used_at=None,
                         expires_at=_expires(row, rules))
    return view, secret


def list_tokens(ctx: AppContext, *, user: str | None = None) -> list[TokenView]:
    """Live tokens (expired ones are not shown and no longer work)."""
    now = ctx.clock.now()
    with ctx.read() as s:
        rules = read_rules(s)
        q = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
        if user:
            q = q.where(User.name == user)
        return [TokenView(id=t.id, user=n, name=t.name, prefix=t.prefix,
                          created_at=t.created_at, last_used_at=t.last_used_at,
                          expires_at=_expires(t, rules))
                for t, n in s.execute(q.order_by(ApiToken.id)) if _expires(t, rules) > now]


def revoke_token(ctx: AppContext, token_id: int, *, user: str | None = None) -> None:
    """Revoke one token; with ``user``, only that user's own token. An administrator may
    revoke another user's token only if that user holds no privilege the administrator
    lacks."""
    from certyard.accounts.users import act_on

    with ctx.transaction() as s:
        row = s.get(ApiToken, token_id)
        owner = s.get(User, row.user_id) if row is not None else None
        if row is None or owner is None or (user is not None and owner.name != user):
            raise NotFound("API token", token_id)
        if owner.name != ctx.actor.name:
            act_on(s, ctx, owner, what="revoke the API token of")
        s.delete(row)
        record_event(s, ctx, action="accounts.token.revoke", target=owner.name,
                     details={"token": token_id})


def end_user_tokens(s: Session, user_id: int) -> int:
    """Delete every API token of a user (inside the caller's transaction)."""
    n = s.scalar(select(func.count()).select_from(ApiToken)
                 .where(ApiToken.user_id == user_id)) or 0
    s.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
    return int(n)


def resolve_token(ctx: AppContext, secret: str) -> Principal:
    """The principal of a bearer token. A lockout (failed sign-ins, possibly by a stranger)
    does not end it; a disabled user, expiry or revocation does. Read in a snapshot that
    never waits for a writer (every API request comes here); ``last_used_at`` is written,
    at most once a minute, in a transaction of its own."""
    return resolve_token_until(ctx, secret)[0]


def resolve_token_until(ctx: AppContext, secret: str) -> tuple[Principal, dt.datetime]:
    """resolve_token, and when the token expires (for accounts.authcache)."""
    now = ctx.clock.now()
    touch = False
    with snapshot(ctx.sessions) as s:
        # One row, no ORM objects: this runs on every API request.
        row = s.execute(
            select(ApiToken.id, ApiToken.created_at, ApiToken.expires_at,
                   ApiToken.last_used_at, User.id, User.name, User.role, User.disabled,
                   User.must_change_password)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_digest(secret))).first()
        if row is None:
            ok = False
        else:
            (token_id, created_at, expires_at, last_used_at, user_id, name, role, disabled,
             must_change) = row
            expires = expires_at or created_at + dt.timedelta(
                days=read_rules(s)["api_token_max_days"])
            ok = not disabled and expires > now
        if ok:
            touch = last_used_at is None or now - last_used_at > dt.timedelta(seconds=60)
            p = Principal(user_id=user_id, name=name, role=role,
                          privileges=role_privileges(s, role),
                          must_change_password=must_change, via="token")
    if not ok:
        raise AuthenticationFailed("the API token is not valid")
    if touch:
        with ctx.transaction() as s:
            s.execute(update(ApiToken).where(ApiToken.id == token_id)
                      .values(last_used_at=now),
                      execution_options={"certyard_bookkeeping": True})
    return p, expires
