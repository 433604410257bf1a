"""Accounts: users, roles, authentication rules, Session Management, admin UI allowlist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from certyard import accounts
from certyard.errors import CertyardError, InvalidInput
from certyard.http.auth import Auth, client_ip, require
from certyard.http.errors import http_status
from certyard.http.params import Id
from certyard.web.flash import flash_redirect
from certyard.web.pages_auth import errors_of
from certyard.web.render import render

router = APIRouter()
Read = Annotated[Auth, Depends(require("accounts:read"))]
Edit = Annotated[Auth, Depends(require("accounts:edit"))]
Execute = Annotated[Auth, Depends(require("accounts:execute"))]
Create = Annotated[Auth, Depends(require("accounts:create"))]
TABS = ("users", "roles", "rules", "sessions", "tokens", "allowlist")
RULE_FIELDS = [
    ("failed_attempts", "Failed Sign-In Attempts (0: no lockout)"),
    ("reset_failed_after_minutes", "Reset Failed Sign-In Attempts Every (minutes)"),
    ("lockout_minutes", "Lockout Duration (minutes)"),
    ("credential_expiry_days", "Credential Expires After (days; 0: never)"),
    ("min_length", "Minimum Credential Length"),
    ("min_char_changes", "Minimum Character Changes between Successive Credentials"),
    ("remembered_credentials", "Stored Number of Previous Credentials"),
    ("max_sessions", "Maximum Concurrent Sessions per User (0: unlimited)"),
    ("inactivity_days", "User Inactivity Timeout (days; 0: off)"),
    ("idle_timeout_minutes", "Session Idle Timeout (minutes)"),
    ("session_lifetime_hours", "Session Lifetime (hours)"),
    ("api_token_days", "API Token Lifetime (days)"),
    ("api_token_max_days", "API Token Maximum Lifetime (days)"),
    ("sign_in_source_attempts", "Sign-In Attempts per Source Address"),
    ("sign_in_source_window_seconds", "Sign-In Attempts Window (seconds)"),
]


def _page(request: Request, auth: Auth, tab: str, errors: dict[str, str] | None = None,
          form: dict[str, Any] | None = None, status: int = 200) -> Response:
    return render(request, "accounts.html", status=status, title="Accounts", tab=tab,
                  errors=errors or {}, form=form or {}, users=accounts.list_users(auth.ctx),
                  roles=accounts.list_roles(auth.ctx), areas=accounts.AREAS,
                  actions=accounts.ACTIONS, rules=accounts.get_auth_rules(auth.ctx),
                  rule_fields=RULE_FIELDS, sessions=accounts.list_sessions(auth.ctx),
                  default_role=accounts.DEFAULT_NEW_USER_ROLE,
                  password_rules=accounts.new_password_rules(auth.ctx),
                  tokens=accounts.list_tokens(auth.ctx),
                  allowlist=accounts.list_allowed(auth.ctx), your_ip=client_ip(request))


def _do(request: Request, auth: Auth, tab: str, fn: Callable[[], object], ok: str,
        form: dict[str, Any] | None = None) -> Response:
    try:
        fn()
    except CertyardError as exc:
        return _page(request, auth, tab, errors_of(exc), form, status=http_status(exc))
    return flash_redirect(request, f"/accounts?tab={tab}", ok)


@router.get("/accounts")
def accounts_page(request: Request, auth: Read, tab: str = "users") -> Response:
    return _page(request, auth, tab if tab in TABS else "users")


@router.post("/accounts/users")
def add_user(request: Request, auth: Create, name: Annotated[str, Form(max_length=64)],
             role: Annotated[str, Form(max_length=64)],
             password: Annotated[str, Form(max_length=200)]) -> Response:
    return _do(request, auth, "users",
               lambda: accounts.create_user(auth.ctx, name, role=role, password=password),
               f"Added {name}; they change the password at first sign-in.",
               {"name": name, "role": role})


@router.post("/accounts/users/{name}/delete")
def delete_user(request: Request, name: str,
                auth: Annotated[Auth, Depends(require("accounts:delete"))]) -> Response:
    return _do(request, auth, "users", lambda: accounts.delete_user(auth.ctx, name),
               f"Deleted {name}; their sessions and API tokens ended.")


@router.post("/accounts/users/{name}/role")
def set_role(request: Request, name: str, auth: Edit,
             role: Annotated[str, Form(max_length=64)]) -> Response:
    return _do(request, auth, "users", lambda: accounts.set_role(auth.ctx, name, role),
               f"{name} is now {role}.")


@router.post("/accounts/users/{name}/unlock")
def unlock(request: Request, name: str, auth: Execute) -> Response:
    return _do(request, auth, "users", lambda: accounts.unlock_user(auth.ctx, name),
               f"Unlocked {name}.")


@router.post("/accounts/users/{name}/password")
def reset(request: Request, name: str, auth: Execute,
          password: Annotated[str, Form(max_length=200)]) -> Response:
    return _do(request, auth, "users", lambda: accounts.reset_password(auth.ctx, name, password),
               f"Password of {name} reset; they change it at next sign-in.")


@router.post("/accounts/roles")
async def add_role(request: Request,
                   auth: Annotated[Auth, Depends(require("roles:manage"))]) -> Response:
    form = await request.form()
    name = str(form.get("name", ""))[:64]
    privileges = [str(p) for p in form.getlist("privileges")][:100]
    return _do(request, auth, "roles",
               lambda: accounts.create_role(auth.ctx, name, privileges=privileges),
               f"Created role {name}.", {"role_name": name, "privileges": privileges})


@router.post("/accounts/rules")
async def rules(request: Request, auth: Edit) -> Response:
    form = await request.form()

    def save() -> None:
        changes: dict[str, Any] = {}
        for key, _label in RULE_FIELDS:
            text = str(form.get(key, "")).strip()
            if text == "":
                continue
            try:
                changes[key] = int(text)
            except ValueError:
                raise InvalidInput(f"{key.replace('_', ' ')} must be a whole number",
                                   field=key) from None
        if form.get("administrator_must_unlock"):
            changes["lockout_minutes"] = None
        changes["check_trivial"] = bool(form.get("check_trivial"))
        accounts.set_auth_rules(auth.ctx, **changes)

    typed = {k: str(form.get(k, ""))[:20] for k, _label in RULE_FIELDS}
    return _do(request, auth, "rules", save, "Authentication rules saved.", typed)


@router.post("/accounts/sessions/terminate")
def terminate(request: Request, auth: Execute,
              user: Annotated[str, Form(max_length=64)]) -> Response:
    return _do(request, auth, "sessions",
               lambda: accounts.terminate_user_sessions(auth.ctx, user),
               f"Terminated every session of {user}.", {"user": user})


@router.post("/accounts/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: Id,
                 auth: Annotated[Auth, Depends(require("accounts:delete"))]) -> Response:
    return _do(request, auth, "tokens", lambda: accounts.revoke_token(auth.ctx, token_id),
               f"Revoked API token {token_id}.")


@router.post("/accounts/allowlist")
def allow(request: Request, auth: Edit,
          address: Annotated[str, Form(max_length=64)]) -> Response:
    return _do(request, auth, "allowlist", lambda: accounts.add_allowed(auth.ctx, address),
               f"Added {address}.", {"address": address})


@router.post("/accounts/allowlist/delete")
def disallow(request: Request, auth: Edit,
             address: Annotated[str, Form(max_length=64)]) -> Response:
    return _do(request, auth, "allowlist", lambda: accounts.delete_allowed(auth.ctx, address),
               f"Deleted {address}.")
