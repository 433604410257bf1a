"""Accounts: administrators, roles and privileges, authentication rules, server-side
sessions, API tokens and the admin UI allowlist. Other rooms import from here only."""

from __future__ import annotations

from certyard.accounts.allowlist import add_allowed, delete_allowed, is_allowed, list_allowed
from certyard.accounts.authcache import AuthCache
from certyard.accounts.housekeeping import account_housekeeping
from certyard.accounts.ratelimit import RateLimiter
from certyard.accounts.roles import (
    ACTIONS,
    AREAS,
    BUILTIN_ROLES,
    DEFAULT_NEW_USER_ROLE,
    KEY_ACCESS,
    RoleView,
    create_role,
    delete_role,
    list_roles,
)
from certyard.accounts.rules import (
    DEFAULT_RULES,
    check_new_password,
    describe_rules,
    get_auth_rules,
    hash_password,
    new_password_rules,
    set_auth_rules,
    verify_password,
)
from certyard.accounts.sessions import (
    Principal,
    SessionView,
    end_session,
    list_sessions,
    resolve_session,
    start_session,
    terminate_user_sessions,
)
from certyard.accounts.throttle import SignInThrottled, count_sign_in_attempt
from certyard.accounts.tokens import (
    TokenView,
    create_token,
    list_tokens,
    resolve_token,
    revoke_token,
)
from certyard.accounts.users import (
    DEFAULT_ADMIN,
    RESERVED_NAMES,
    UserView,
    authenticate,
    change_password,
    check_role,
    create_user,
    delete_user,
    ensure_initial_admin,
    list_users,
    reset_password,
    set_role,
    show_user,
    unlock_user,
)

__all__ = [
    "ACTIONS",
    "AREAS",
    "BUILTIN_ROLES",
    "DEFAULT_ADMIN",
    "DEFAULT_NEW_USER_ROLE",
    "DEFAULT_RULES",
    "KEY_ACCESS",
    "RESERVED_NAMES",
    "AuthCache",
    "Principal",
    "RateLimiter",
    "RoleView",
    "SessionView",
    "SignInThrottled",
    "TokenView",
    "UserView",
    "account_housekeeping",
    "add_allowed",
    "authenticate",
    "change_password",
    "check_new_password",
    "check_role",
    "count_sign_in_attempt",
    "create_role",
    "create_token",
    "create_user",
    "delete_allowed",
    "delete_role",
    "delete_user",
    "describe_rules",
    "end_session",
    "ensure_initial_admin",
    "get_auth_rules",
    "hash_password",
    "is_allowed",
    "list_allowed",
    "list_roles",
    "list_sessions",
    "list_tokens",
    "list_users",
    "new_password_rules",
    "reset_password",
    "resolve_session",
    "resolve_token",
    "revoke_token",
    "set_auth_rules",
    "set_role",
    "show_user",
    "start_session",
    "terminate_user_sessions",
    "unlock_user",
    "verify_password",
]
