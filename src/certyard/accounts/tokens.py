"""Per-user API tokens for scripts. The token is shown once; only its SHA-256 is kept."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from certyard.accounts.roles import role_privileges
from certyard.accounts.sessions import Principal, token_digest
from certyard.audit import record_event
from certyard.db.models.accounts import ApiToken, User
from certyard.errors import AuthenticationFailed, InvalidInput, NotFound

__all__ = ["TOKEN_PREFIX", "TokenView", "create_token", "list_tokens", "resolve_token",
           "revoke_token"]

TOKEN_PREFIX = "cyt_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True, kw_only=True)
class TokenView:
    id: int
    user: str
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user": self.user, "name": self.name, "prefix": self.prefix,
                "created_at": self.created_at.isoformat(),
                "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None}


def create_token(ctx: Any, user: str, *, name: str) -> tuple[TokenView, str]:
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise InvalidInput("a token name is 1 to 64 characters", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.transaction() as s:
        u = s.scalar(select(User).where(User.name == user))
        if u is None:
            raise NotFound("user", user)
        row = ApiToken(token_hash=token_digest(secret), prefix=secret[:10], user_id=u.id,
                       name=name, created_at=ctx.clock.now())
        s.add(row)
        s.flush()
        record_event(s, ctx, action="accounts.token.create", target=user,
                     details={"token": row.id, "name": name})
        view = TokenView(id=row.id, user=user, name=name, prefix=row.prefix,
                         created_at=row.created_at, last_used_at=None)
    return view, secret


def list_tokens(ctx: Any, *, user: str | None = None) -> list[TokenView]:
    with ctx.read() as s:
        q = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
        if user:
            q = q.where(User.name == user)
        return [TokenView(id=t.id, user=n, name=t.name, prefix=t.prefix,
                          created_at=t.created_at, last_used_at=t.last_used_at)
                for t, n in s.execute(q.order_by(ApiToken.id))]


def revoke_token(ctx: Any, token_id: int, *, user: str | None = None) -> None:
    """Revoke one token; with ``user``, only that user's own token."""
    with ctx.transaction() as s:
        row = s.get(ApiToken, token_id)
        owner = s.get(User, row.user_id) if row is not None else None
        if row is None or owner is None or (user is not None and owner.name != user):
            raise NotFound("API token", token_id)
        s.delete(row)
        record_event(s, ctx, action="accounts.token.revoke", target=owner.name,
                     details={"token": token_id})


def resolve_token(ctx: Any, secret: str) -> Principal:
    with ctx.transaction() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
        u = s.get(User, row.user_id) if row is not None else None
        if row is None or u is None or u.disabled or u.locked_at is not None:
            ok = False
        else:
            ok = True
            row.last_used_at = ctx.clock.now()
            p = Principal(user_id=u.id, name=u.name, role=u.role,
                          privileges=role_privileges(s, u.role), via="token")
    if not ok:
        raise AuthenticationFailed("the API token is not valid")
    return p
