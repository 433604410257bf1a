"""Server-side sessions: idle timeout, absolute lifetime, a per-user maximum, and
termination of every session of a user (effective on that user's next request).

A lockout after failed sign-ins refuses new sign-ins only: failed attempts are anonymous,
so they must not end the sessions (or API tokens) of a user who is signed in."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from certyard.accounts.roles import role_privileges
from certyard.accounts.rules import read_rules
from certyard.audit import record_event
from certyard.db.models.accounts import User, UserSession
from certyard.errors import AuthenticationFailed, Conflict, NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["Principal", "SessionView", "end_other_sessions", "end_session", "list_sessions",
           "resolve_session", "start_session", "terminate_user_sessions", "token_digest"]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class Principal:
    """Who a request acts as, with what it may do."""

    user_id: int
    name: str
    role: str
    privileges: frozenset[str]
    must_change_password: bool = False
    csrf_token: str = ""
    via: str = "session"  # or "token"


@dataclass(frozen=True, kw_only=True)
class SessionView:
    id: int
    user: str
    source: str
    created_at: dt.datetime
    last_seen_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user": self.user, "source": self.source,
                "created_at": self.created_at.isoformat(),
                "last_seen_at": self.last_seen_at.isoformat()}


def _alive(row: UserSession, rules: dict[str, Any], now: dt.datetime) -> bool:
    return (now - row.last_seen_at <= dt.timedelta(minutes=rules["idle_timeout_minutes"])
            and now - row.created_at <= dt.timedelta(hours=rules["session_lifetime_hours"]))


def start_session(ctx: AppContext, user_id: int, *, source: str) -> tuple[str, str]:
    """(cookie token, csrf token) for a new session; refused beyond the maximum."""
    now = ctx.clock.now()
    with ctx.transaction() as s:
        rules = read_rules(s)
        u = s.get(User, user_id)
        if u is None:
            raise NotFound("user", user_id)
        rows = list(s.scalars(select(UserSession).where(UserSession.user_id == user_id)))
        for r in rows:
            if not _alive(r, rules, now):
                s.delete(r)
        live = sum(1 for r in rows if _alive(r, rules, now))
        if rules["max_sessions"] and live >= rules["max_sessions"]:
            record_event(s, ctx, action="accounts.session.refused", target=u.name,
                         outcome="failure", details={"live": live})
            refused = True
        else:
            refused = False
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            s.add(UserSession(token_hash=token_digest(token), user_id=user_id, csrf_token=csrf,
                              source=source[:64], created_at=now, last_seen_at=now))
    if refused:
        raise Conflict(f"{u.name} already has the maximum of {rules['max_sessions']} active "
                       "sessions; sign out elsewhere or ask an administrator to end them")
    return token, csrf


def resolve_session(ctx: AppContext, token: str) -> Principal:
    """The principal of a session cookie; touches it. Raises AuthenticationFailed if the
    session is unknown, expired, terminated, or its user disabled (not when locked: see the
    module's note)."""
    now = ctx.clock.now()
    with ctx.transaction() as s:
        row = s.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
        if row is None:
            raise AuthenticationFailed("your session has ended; please sign in again")
        rules = read_rules(s)
        u = s.get(User, row.user_id)
        if not _alive(row, rules, now) or u is None or u.disabled:
            s.delete(row)
            expired = True
        else:
            expired = False
            # Touch at most once a minute: fewer writes on busy pages.
            if now - row.last_seen_at > dt.timedelta(seconds=60):
                row.last_seen_at = now
            principal = Principal(user_id=u.id, name=u.name, role=u.role,
                                  privileges=role_privileges(s, u.role),
                                  must_change_password=u.must_change_password,
                                  csrf_token=row.csrf_token)
    if expired:
        raise AuthenticationFailed("your session has ended; please sign in again")
    return principal


def end_session(ctx: AppContext, token: str) -> None:
    with ctx.transaction() as s:
        s.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))


def list_sessions(ctx: AppContext, *, user: str | None = None) -> list[SessionView]:
    now = ctx.clock.now()
    with ctx.read() as s:
        rules = read_rules(s)
        q = select(UserSession, User.name).join(User, User.id == UserSession.user_id)
        if user:
            q = q.where(User.name == user)
        q = q.order_by(User.name, UserSession.created_at)
        return [SessionView(id=r.id, user=name, source=r.source, created_at=r.created_at,
                            last_seen_at=r.last_seen_at)
                for r, name in s.execute(q) if _alive(r, rules, now)]


def end_other_sessions(s: Session, user_id: int, *, keep_token: str | None) -> int:
    """Delete every session of a user except the one whose cookie is ``keep_token``."""
    q = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_token:
        q = q.where(UserSession.token_hash != token_digest(keep_token))
    return int(s.execute(q).rowcount or 0)  # type: ignore[attr-defined]


def terminate_user_sessions(ctx: AppContext, user: str) -> int:
    """Seed "Session Management": end every active session of a user ID, and every API
    token (a script holding one is a session too). Only on accounts holding no privilege
    the acting administrator lacks."""
    from certyard.accounts.tokens import end_user_tokens
    from certyard.accounts.users import act_on

    with ctx.transaction() as s:
        u = s.scalar(select(User).where(User.name == user))
        if u is None:
            raise NotFound("user", user)
        act_on(s, ctx, u, what="end the sessions of")
        n = s.scalar(select(func.count()).select_from(UserSession)
                     .where(UserSession.user_id == u.id)) or 0
        s.execute(delete(UserSession).where(UserSession.user_id == u.id))
        tokens = end_user_tokens(s, u.id)
        record_event(s, ctx, action="accounts.session.terminate", target=user,
                     details={"sessions": n, "api_tokens": tokens})
    return n
