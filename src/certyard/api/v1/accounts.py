"""Accounts: the caller's own profile, password and API tokens; users, roles,
authentication rules, sessions and the allowlist for administrators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from certyard import accounts
from certyard.api.v1.common import ERRORS, Id
from certyard.http.auth import COOKIE, Auth, require

router = APIRouter(tags=["accounts"], responses=ERRORS)
UserName = Annotated[str, Path(min_length=1, max_length=64)]
Me = Annotated[Auth, Depends(require(None, allow_password_change=True))]
Read = Annotated[Auth, Depends(require("accounts:read"))]
Execute = Annotated[Auth, Depends(require("accounts:execute"))]
Edit = Annotated[Auth, Depends(require("accounts:edit"))]
Create = Annotated[Auth, Depends(require("accounts:create"))]
Delete = Annotated[Auth, Depends(require("accounts:delete"))]


@router.get("/me")
def me(auth: Me) -> dict[str, Any]:
    p = auth.principal
    return {"name": p.name, "role": p.role, "privileges": sorted(p.privileges),
            "must_change_password": p.must_change_password}


class PasswordChange(BaseModel):
    current_password: str = Field(..., max_length=200)
    new_password: str = Field(..., max_length=200)


@router.post("/me/password")
def change_my_password(request: Request, body: PasswordChange, auth: Me) -> dict[str, Any]:
    """Ends every other session of the caller (a browser session making the call stays)."""
    keep = request.cookies.get(COOKIE) if auth.principal.via == "session" else None
    return accounts.change_password(auth.ctx, auth.user, current=body.current_password,
                                    new=body.new_password, keep_session=keep).to_dict()


class TokenIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=64)
    days: int | None = Field(None, ge=1, le=3650, description="lifetime; default and maximum "
                             "from the authentication rules")


@router.get("/me/tokens")
def my_tokens(auth: Annotated[Auth, Depends(require(None))]) -> list[dict[str, Any]]:
    return [t.to_dict() for t in accounts.list_tokens(auth.ctx, user=auth.user)]


@router.post("/me/tokens", status_code=201)
def create_my_token(body: TokenIn,
                    auth: Annotated[Auth, Depends(require(None))]) -> dict[str, Any]:
    """The token is in the answer once; only its hash is kept."""
    view, secret = accounts.create_token(auth.ctx, auth.user, name=body.name, days=body.days)
    return {**view.to_dict(), "token": secret}


@router.delete("/me/tokens/{token_id}")
def revoke_my_token(token_id: Id,
                    auth: Annotated[Auth, Depends(require(None))]) -> dict[str, Any]:
    accounts.revoke_token(auth.ctx, token_id, user=auth.user)
    return {"revoked": token_id}


@router.get("/tokens")
def all_tokens(auth: Read) -> list[dict[str, Any]]:
    return [t.to_dict() for t in accounts.list_tokens(auth.ctx)]


@router.delete("/tokens/{token_id}")
def revoke_any_token(token_id: Id, auth: Delete) -> dict[str, Any]:
    accounts.revoke_token(auth.ctx, token_id)
    return {"revoked": token_id}


@router.get("/users")
def list_users(auth: Read) -> list[dict[str, Any]]:
    return [u.to_dict() for u in accounts.list_users(auth.ctx)]


class UserIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=64)
    role: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., max_length=200)
    must_change_password: bool = True


@router.post("/users", status_code=201)
def create_user(body: UserIn, auth: Create) -> dict[str, Any]:
    return accounts.create_user(auth.ctx, body.name, role=body.role, password=body.password,
                                must_change_password=body.must_change_password).to_dict()


@router.get("/users/{name}")
def show_user(name: UserName, auth: Read) -> dict[str, Any]:
    return accounts.show_user(auth.ctx, name).to_dict()


class RoleChange(BaseModel):
    role: str = Field(..., min_length=1, max_length=64)


@router.put("/users/{name}/role")
def set_user_role(name: UserName, body: RoleChange, auth: Edit) -> dict[str, Any]:
    return accounts.set_role(auth.ctx, name, body.role).to_dict()


@router.post("/users/{name}/unlock")
def unlock_user(name: UserName, auth: Execute) -> dict[str, Any]:
    return accounts.unlock_user(auth.ctx, name).to_dict()


class PasswordReset(BaseModel):
    password: str = Field(..., max_length=200)


@router.post("/users/{name}/password")
def reset_user_password(name: UserName, body: PasswordReset, auth: Execute) -> dict[str, Any]:
    return accounts.reset_password(auth.ctx, name, body.password).to_dict()


@router.delete("/users/{name}")
def delete_user(name: UserName, auth: Delete) -> dict[str, Any]:
    accounts.delete_user(auth.ctx, name)
    return {"deleted": name}


@router.get("/roles")
def list_roles(auth: Read) -> list[dict[str, Any]]:
    return [r.to_dict() for r in accounts.list_roles(auth.ctx)]


class RoleIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=64)
    privileges: list[Annotated[str, Field(max_length=40)]] = Field(..., max_length=100)
    description: str = Field("", max_length=300)


ManageRoles = Annotated[Auth, Depends(require("roles:manage"))]


@router.post("/roles", status_code=201)
def create_role(body: RoleIn, auth: ManageRoles) -> dict[str, Any]:
    return accounts.create_role(auth.ctx, body.name, privileges=body.privileges,
                                description=body.description).to_dict()


@router.delete("/roles/{name}")
def delete_role(name: UserName, auth: ManageRoles) -> dict[str, Any]:
    accounts.delete_role(auth.ctx, name)
    return {"deleted": name}


@router.get("/auth-rules")
def get_auth_rules(auth: Read) -> dict[str, Any]:
    return accounts.get_auth_rules(auth.ctx)


class RulesIn(BaseModel):
    failed_attempts: int | None = Field(None, ge=0, le=100)
    reset_failed_after_minutes: int | None = Field(None, ge=1, le=120000)
    lockout_minutes: int | None = Field(None, ge=1, le=120000)
    administrator_must_unlock: bool | None = None
    credential_expiry_days: int | None = Field(None, ge=0, le=3650)
    min_length: int | None = Field(None, ge=1, le=127)
    min_char_changes: int | None = Field(None, ge=0, le=127)
    remembered_credentials: int | None = Field(None, ge=0, le=50)
    check_trivial: bool | None = None
    max_sessions: int | None = Field(None, ge=0, le=1000)
    inactivity_days: int | None = Field(None, ge=0, le=3650)
    idle_timeout_minutes: int | None = Field(None, ge=1, le=1440)
    session_lifetime_hours: int | None = Field(None, ge=1, le=720)
    api_token_days: int | None = Field(None, ge=1, le=3650)
    api_token_max_days: int | None = Field(None, ge=1, le=3650)
    sign_in_source_attempts: int | None = Field(None, ge=1, le=100000)
    sign_in_source_window_seconds: int | None = Field(None, ge=1, le=86400)


@router.put("/auth-rules")
def set_auth_rules(body: RulesIn, auth: Edit) -> dict[str, Any]:
    """Fields left out keep their value; ``administrator_must_unlock`` sets the lockout to
    'until an administrator unlocks'."""
    changes = {k: v for k, v in body.model_dump().items() if v is not None}
    if changes.pop("administrator_must_unlock", False):
        changes["lockout_minutes"] = None
    return accounts.set_auth_rules(auth.ctx, **changes)


@router.get("/sessions")
def list_sessions(auth: Read) -> list[dict[str, Any]]:
    return [s.to_dict() for s in accounts.list_sessions(auth.ctx)]


@router.delete("/sessions/{name}")
def terminate_sessions(name: UserName, auth: Execute) -> dict[str, Any]:
    """Session Management: end every active session of a user."""
    return {"user": name, "terminated": accounts.terminate_user_sessions(auth.ctx, name)}


@router.get("/allowlist")
def list_allowlist(auth: Read) -> list[str]:
    return accounts.list_allowed(auth.ctx)


class AddressIn(BaseModel):
    address: str = Field(..., min_length=1, max_length=64)


@router.post("/allowlist", status_code=201)
def add_allowlist(body: AddressIn, auth: Edit) -> dict[str, Any]:
    return {"added": accounts.add_allowed(auth.ctx, body.address)}


@router.post("/allowlist/delete")
def delete_allowlist(body: AddressIn, auth: Edit) -> dict[str, Any]:
    return {"deleted": accounts.delete_allowed(auth.ctx, body.address)}
