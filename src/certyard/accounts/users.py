"""Administrator accounts: create, role changes, passwords, lockout, inactivity, sign-in.

Sign-in failures are counted and audited in their own transaction before the error is
raised, so a failed attempt is never rolled back. Every failure answers the same message
after the same work (a password hash is verified even for an unknown, locked or disabled
name), so a stranger cannot tell real names from unknown ones. A lockout refuses new
sign-ins; it does not end the user's live sessions or API tokens.

No escalation: every operation on another account (create, role, delete, unlock, password
reset, ending sessions, revoking tokens) is refused when that account holds a privilege the
acting administrator lacks.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select

from certyard.accounts.roles import BUILTIN_ROLES
from certyard.accounts.rules import check_new_password, hash_password, read_rules, verify_password
from certyard.accounts.sessions import end_other_sessions
from certyard.accounts.tokens import end_user_tokens
from certyard.audit import record_event
from certyard.db.models.accounts import PasswordHistory, Role, User, UserSession
from certyard.errors import (
    AuthenticationFailed,
    Conflict,
    Duplicate,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PolicyViolation,
)

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "DEFAULT_ADMIN",
    "RESERVED_NAMES",
    "SIGN_IN_FAILED",
    "UserView",
    "act_on",
    "authenticate",
    "change_password",
    "check_role",
    "create_user",
    "delete_user",
    "ensure_initial_admin",
    "list_users",
    "reset_password",
    "set_role",
    "show_user",
    "unlock_user",
]

DEFAULT_ADMIN = "admin"
# Seed 002 chapter 5: application user names that must not be used.
RESERVED_NAMES = frozenset(n.lower() for n in (
    "CCMSysUser", "WDSysUser", "CCMQRTSysUser", "IPMASysUser", "WDSecureSysUser",
    "CCMQRTSecureSysUser", "IPMASecureSysUser", "TabSyncSysUser", "CUCService"))
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,63}$")
# Dummy hashes (one per scheme) so an unknown user costs as much as a wrong password.
_DUMMY: dict[str, str] = {}
SIGN_IN_FAILED = ("the user name or password is not correct, or the account is locked or "
                  "disabled; try again later or ask an administrator")


def _dummy_hash(scheme: str) -> str:
    if scheme not in _DUMMY:
        _DUMMY[scheme] = hash_password(secrets.token_urlsafe(16), scheme=scheme)
    return _DUMMY[scheme]


@dataclass(frozen=True, kw_only=True)
class UserView:
    id: int
    name: str
    role: str
    is_default_admin: bool
    must_change_password: bool
    disabled: bool
    locked: bool
    failed_count: int
    last_sign_in_at: dt.datetime | None
    password_changed_at: dt.datetime
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k in ("last_sign_in_at", "password_changed_at", "created_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def _view(u: User) -> UserView:
    return UserView(id=u.id, name=u.name, role=u.role, is_default_admin=u.is_default_admin,
                    must_change_password=u.must_change_password, disabled=u.disabled,
                    locked=u.locked_at is not None, failed_count=u.failed_count,
                    last_sign_in_at=u.last_sign_in_at,
                    password_changed_at=u.password_changed_at, created_at=u.created_at)


def _get(s: Any, name: str) -> User:
    u = s.scalar(select(User).where(User.name == name))
    if u is None:
        raise NotFound("user", name)
    return u


def _check_role(s: Any, role: str) -> None:
    if role not in BUILTIN_ROLES and s.get(Role, role) is None:
        names = [*BUILTIN_ROLES, *s.scalars(select(Role.name).order_by(Role.name))]
        raise InvalidInput(f"unknown role {role!r}; valid roles: {', '.join(names)}",
                           field="role")


def check_role(ctx: AppContext, role: str) -> None:
    """Raise InvalidInput (listing the valid roles) unless ``role`` exists; lets a front
    end reject a wrong role before it asks for anything else."""
    with ctx.read() as s:
        _check_role(s, role)


def _store_password(s: Any, u: User, password: str, rules: dict[str, Any], now: Any) -> None:
    u.password_hash = hash_password(password, scheme=rules["password_hash"])
    u.password_changed_at = now
    s.add(PasswordHistory(user_id=u.id, password_hash=u.password_hash, created_at=now))
    s.flush()
    keep = rules["remembered_credentials"]
    old = list(s.scalars(select(PasswordHistory.id).where(PasswordHistory.user_id == u.id)
                         .order_by(PasswordHistory.id.desc()).offset(max(keep, 1))))
    if old:
        s.execute(delete(PasswordHistory).where(PasswordHistory.id.in_(old)))


def _history(s: Any, u: User, rules: dict[str, Any]) -> list[str]:
    keep = rules["remembered_credentials"]
    if keep <= 0:
        return []
    return list(s.scalars(select(PasswordHistory.password_hash)
                          .where(PasswordHistory.user_id == u.id)
                          .order_by(PasswordHistory.id.desc()).limit(keep)))


def _no_escalation(s: Any, ctx: AppContext, role: str, *, what: str) -> None:
    """An administrator may only create, change or reset accounts whose role holds no
    privilege the administrator lacks: a Help Desk Administrator resets help-desk-level
    passwords, never the System Administrator's."""
    from certyard.accounts.roles import role_privileges

    mine = role_privileges(s, ctx.actor.role)
    theirs = role_privileges(s, role)
    missing = sorted(theirs - mine)
    if missing:
        raise PermissionDenied(
            f"you cannot {what} an account with role {role}: it holds privileges you do not "
            f"have ({', '.join(missing[:3])}{'…' if len(missing) > 3 else ''})")


def act_on(s: Any, ctx: AppContext, target: User, *, what: str) -> None:
    """The no-escalation rule for any operation on another account: refused when the
    target's role holds a privilege the acting role lacks."""
    _no_escalation(s, ctx, target.role, what=what)


def create_user(ctx: AppContext, name: str, *, role: str, password: str,
                must_change_password: bool = True, default_admin: bool = False) -> UserView:
    name = name.strip()
    if not _NAME.match(name):
        raise InvalidInput("a user name is 1 to 64 letters, digits, '.', '_' or '-', "
                           "starting with a letter", field="name")
    if name.lower() in RESERVED_NAMES:
        raise InvalidInput(f"{name} is a reserved user name; choose another", field="name")
    with ctx.transaction() as s:
        _check_role(s, role)
        _no_escalation(s, ctx, role, what="create")
        # Names differing only in case ("admin", "Admin") would be two accounts a person
        # cannot tell apart in the audit trail, session lists or a sign-in prompt.
        taken = s.scalar(select(User.name).where(func.lower(User.name) == name.lower()))
        if taken is not None:
            raise Duplicate(f"a user named {taken} already exists" + (
                "" if taken == name else " (user names differ by more than case)"),
                field="name")
        rules = read_rules(s)
        check_new_password(password, user_name=name, rules=rules)
        now = ctx.clock.now()
        u = User(name=name, role=role, password_hash="", is_default_admin=default_admin,
                 must_change_password=must_change_password, disabled=False, failed_count=0,
                 password_changed_at=now, created_at=now)
        s.add(u)
        s.flush()
        _store_password(s, u, password, rules, now)
        record_event(s, ctx, action="accounts.user.create", target=name, details={"role": role})
        return _view(u)


def ensure_initial_admin(ctx: AppContext) -> str | None:
    """On a fresh store create the default administrator with a random one-time password
    (returned once, never stored in clear); None when users already exist."""
    with ctx.read() as s:
        if s.scalar(select(User.id).limit(1)) is not None:
            return None
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(16)) + "-7"
        try:
            create_user(ctx, DEFAULT_ADMIN, role="System Administrator", password=pw,
                        must_change_password=True, default_admin=True)
            return pw
        except Duplicate:
            return None
        except InvalidInput:
            continue  # a random draw that trips the trivial-password rules: draw again


def list_users(ctx: AppContext) -> list[UserView]:
    with ctx.read() as s:
        return [_view(u) for u in s.scalars(select(User).order_by(User.name))]


def show_user(ctx: AppContext, name: str) -> UserView:
    with ctx.read() as s:
        return _view(_get(s, name))


def set_role(ctx: AppContext, name: str, role: str) -> UserView:
    with ctx.transaction() as s:
        u = _get(s, name)
        _check_role(s, role)
        _no_escalation(s, ctx, u.role, what="change the role of")
        _no_escalation(s, ctx, role, what="grant")
        if u.is_default_admin and role != u.role:
            raise Conflict("the default administrator's role cannot be changed; create another "
                           "account with the role you need", field="role")
        old, u.role = u.role, role
        record_event(s, ctx, action="accounts.user.role", target=name,
                     details={"from": old, "to": role})
        return _view(u)


def delete_user(ctx: AppContext, name: str) -> None:
    with ctx.transaction() as s:
        u = _get(s, name)
        if u.is_default_admin:
            raise Conflict("the default administrator cannot be deleted")
        _no_escalation(s, ctx, u.role, what="delete")
        s.execute(delete(UserSession).where(UserSession.user_id == u.id))
        s.execute(delete(PasswordHistory).where(PasswordHistory.user_id == u.id))
        s.delete(u)
        record_event(s, ctx, action="accounts.user.delete", target=name)


def unlock_user(ctx: AppContext, name: str) -> UserView:
    """Clear a lockout, the failed count and an inactivity disable."""
    with ctx.transaction() as s:
        u = _get(s, name)
        act_on(s, ctx, u, what="unlock")
        u.locked_at, u.failed_count, u.first_failed_at, u.disabled = None, 0, None, False
        u.last_sign_in_at = ctx.clock.now()  # so inactivity does not disable it again at once
        record_event(s, ctx, action="accounts.user.unlock", target=name)
        return _view(u)


def reset_password(ctx: AppContext, name: str, password: str, *,
                   must_change_password: bool = True) -> UserView:
    """An administrator sets a new password; the user changes it at next sign-in. Never on
    one's own account: that is a change with the current password (a stolen session or
    token must not be enough to take the account over)."""
    if getattr(ctx.actor, "name", None) == name:
        raise PermissionDenied("you cannot reset your own password; change it with your "
                               "current password (Change password, or POST /api/v1/me/password)")
    with ctx.transaction() as s:
        u = _get(s, name)
        _no_escalation(s, ctx, u.role, what="reset the password of")
        rules = read_rules(s)
        check_new_password(password, user_name=name, rules=rules,
                           history_hashes=_history(s, u, rules))
        _store_password(s, u, password, rules, ctx.clock.now())
        # Whoever held the old password is signed out everywhere, scripts included.
        s.execute(delete(UserSession).where(UserSession.user_id == u.id))
        end_user_tokens(s, u.id)
        u.must_change_password = must_change_password
        u.locked_at, u.failed_count, u.first_failed_at = None, 0, None
        record_event(s, ctx, action="accounts.user.reset_password", target=name)
        return _view(u)


def change_password(ctx: AppContext, name: str, *, current: str, new: str,
                    keep_session: str | None = None) -> UserView:
    """The user's own change: the current password, then every rule. Every other session
    of the user ends; the one whose cookie is ``keep_session`` stays signed in."""
    with ctx.transaction() as s:
        u = _get(s, name)
        if not verify_password(u.password_hash, current):
            raise InvalidInput("the current password is not correct", field="current_password")
        if new == current:
            raise InvalidInput("the new password must differ from the current one",
                               field="password")
        rules = read_rules(s)
        age = rules.get("min_password_age_days") or 0
        changed = u.password_changed_at
        if age and not u.must_change_password and changed is not None and \
                ctx.clock.now() - changed < dt.timedelta(days=age):
            raise PolicyViolation(
                f"the password was changed less than {age} day(s) ago; it can be changed "
                f"again after {(changed + dt.timedelta(days=age)):%Y-%m-%d %H:%M} UTC (or an "
                "administrator can reset it)", rule="min_password_age_days", field="password")
        check_new_password(new, user_name=name, rules=rules, previous_plain=current,
                           history_hashes=_history(s, u, rules))
        _store_password(s, u, new, rules, ctx.clock.now())
        u.must_change_password = False
        ended = end_other_sessions(s, u.id, keep_token=keep_session)
        record_event(s, ctx, action="accounts.user.change_password", target=name,
                     details={"other_sessions_ended": ended})
        return _view(u)


def authenticate(ctx: AppContext, name: str, password: str) -> UserView:
    """Check a sign-in against every rule. Returns the user (whose ``must_change_password``
    may be set, e.g. on expiry); raises AuthenticationFailed with a message for the user."""
    now = ctx.clock.now()
    error: str | None = None
    with ctx.transaction() as s:
        rules = read_rules(s)
        u = s.scalar(select(User).where(User.name == name))
        if u is None:
            verify_password(_dummy_hash(rules["password_hash"]), password)
            error = SIGN_IN_FAILED
            record_event(s, ctx, action="accounts.sign_in", target=name[:64],
                         outcome="failure", details={"reason": "unknown user"})
        else:
            error = _sign_in_checks(s, ctx, u, password, rules, now)
            if error is None:
                view = _view(u)
    if error is not None:
        raise AuthenticationFailed(error)
    return view


def _sign_in_checks(s: Any, ctx: AppContext, u: User, password: str, rules: dict[str, Any],
                    now: dt.datetime) -> str | None:
    # The hash is verified first, whatever follows: the same work for every answer.
    password_ok = verify_password(u.password_hash, password)

    def fail(reason: str) -> str:
        record_event(s, ctx, action="accounts.sign_in", target=u.name, outcome="failure",
                     details={"reason": reason})
        return SIGN_IN_FAILED

    if u.locked_at is not None:
        lock = rules["lockout_minutes"]
        if lock is None or now < u.locked_at + dt.timedelta(minutes=lock):
            return fail("locked")
        u.locked_at, u.failed_count, u.first_failed_at = None, 0, None
    if u.disabled:
        return fail("disabled")
    inactive = rules["inactivity_days"]
    last = u.last_sign_in_at or u.created_at
    if inactive and not u.is_default_admin and now - last > dt.timedelta(days=inactive):
        u.disabled = True
        return fail("inactive")
    if not password_ok:
        window = dt.timedelta(minutes=rules["reset_failed_after_minutes"])
        if u.first_failed_at is None or now - u.first_failed_at > window:
            u.first_failed_at, u.failed_count = now, 0
        u.failed_count += 1
        if rules["failed_attempts"] and u.failed_count >= rules["failed_attempts"]:
            u.locked_at = now
            record_event(s, ctx, action="accounts.lockout", target=u.name,
                         details={"failed": u.failed_count})
        return fail("password")
    u.failed_count, u.first_failed_at = 0, None
    u.last_sign_in_at = now
    expiry = rules["credential_expiry_days"]
    if expiry and now - u.password_changed_at > dt.timedelta(days=expiry):
        u.must_change_password = True
    record_event(s, ctx, action="accounts.sign_in", target=u.name)
    return None
