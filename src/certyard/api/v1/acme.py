"""ACME administration: profiles, EAB keys, accounts, orders, validator settings. Managing
ACME is CA administration: reads need ``ca:read``, changes ``ca:execute``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from certyard import acme
from certyard.api.v1.common import ERRORS
from certyard.http.auth import Auth, require

router = APIRouter(prefix="/acme", tags=["acme"], responses=ERRORS)
Read = Annotated[Auth, Depends(require("ca:read"))]
Execute = Annotated[Auth, Depends(require("ca:execute"))]
Name = Annotated[str, Path(min_length=1, max_length=64)]
Rid = Annotated[str, Path(min_length=1, max_length=64)]
Names = list[Annotated[str, Field(max_length=253)]]


class ProfileIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=64)
    allowed_suffixes: Names = Field(default_factory=list, max_length=200)
    allowed_names: Names = Field(default_factory=list, max_length=1000)
    allowed_networks: Names = Field(default_factory=list, max_length=200)
    allow_wildcards: bool = False
    cert_profile: Literal["server", "server-client"] = "server"
    days: int = Field(90, ge=1, le=825)
    eab_required: bool = False
    orders_per_hour: int = Field(0, ge=0, le=100000)
    approval: Literal["none", "required"] = "none"
    auto_approve_nodes: bool = False
    terms_url: str = Field("", max_length=500)
    description: str = Field("", max_length=500)


class ProfilePatch(BaseModel):
    allowed_suffixes: Names | None = Field(None, max_length=200)
    allowed_names: Names | None = Field(None, max_length=1000)
    allowed_networks: Names | None = Field(None, max_length=200)
    allow_wildcards: bool | None = None
    cert_profile: Literal["server", "server-client"] | None = None
    days: int | None = Field(None, ge=1, le=825)
    eab_required: bool | None = None
    orders_per_hour: int | None = Field(None, ge=0, le=100000)
    approval: Literal["none", "required"] | None = None
    auto_approve_nodes: bool | None = None
    terms_url: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=500)


@router.get("/profiles")
def list_profiles(auth: Read) -> list[dict[str, Any]]:
    return [p.to_dict() for p in acme.list_profiles(auth.ctx)]


@router.post("/profiles", status_code=201)
def add_profile(body: ProfileIn, auth: Execute) -> dict[str, Any]:
    values = body.model_dump()
    return acme.add_profile(auth.ctx, values.pop("name"), **values).to_dict()


@router.get("/profiles/{name}")
def show_profile(name: Name, auth: Read) -> dict[str, Any]:
    return acme.show_profile(auth.ctx, name).to_dict()


@router.patch("/profiles/{name}")
def update_profile(name: Name, body: ProfilePatch, auth: Execute) -> dict[str, Any]:
    return acme.update_profile(auth.ctx, name, **body.model_dump()).to_dict()


@router.delete("/profiles/{name}", status_code=204)
def remove_profile(name: Name, auth: Execute) -> None:
    acme.remove_profile(auth.ctx, name)


class EabIn(BaseModel):
    profile: str = Field(..., min_length=1, max_length=64)
    description: str = Field("", max_length=500)


@router.get("/eab-keys")
def list_eab_keys(auth: Read, profile: str | None = None) -> list[dict[str, Any]]:
    return [k.to_dict() for k in acme.list_eab_keys(auth.ctx, profile=profile)]


@router.post("/eab-keys", status_code=201)
def create_eab_key(body: EabIn, auth: Execute) -> dict[str, Any]:
    """The HMAC key (base64url) is in this answer only."""
    k = acme.create_eab_key(auth.ctx, body.profile, description=body.description)
    return {**k.to_dict(), "hmac_key": k.hmac_key}


@router.post("/eab-keys/{kid}/revoke")
def revoke_eab_key(kid: Rid, auth: Execute) -> dict[str, Any]:
    return acme.revoke_eab_key(auth.ctx, kid).to_dict()


@router.get("/accounts")
def list_accounts(auth: Read, profile: str | None = None) -> list[dict[str, Any]]:
    return [a.to_dict() for a in acme.list_accounts(auth.ctx, profile=profile)]


@router.post("/accounts/{account}/deactivate")
def deactivate_account(account: Rid, auth: Execute) -> dict[str, Any]:
    return acme.deactivate_account(auth.ctx, account).to_dict()


OrderState = Literal["pending", "ready", "processing", "valid", "invalid"]


@router.get("/orders")
def list_orders(auth: Read, profile: str | None = None,
                status: OrderState | None = None) -> list[dict[str, Any]]:
    return [o.to_dict() for o in acme.list_orders(auth.ctx, profile=profile, status=status)]


@router.get("/orders/{order}")
def show_order(order: Rid, auth: Read) -> dict[str, Any]:
    return acme.show_order(auth.ctx, order).to_dict()


class SettingsPatch(BaseModel):
    http_port: int | None = Field(None, ge=1, le=65535)
    tlsalpn_port: int | None = Field(None, ge=1, le=65535)
    dns_resolver: str | None = Field(None, max_length=64)
    allowed_networks: Names | None = Field(None, max_length=200)
    timeout: float | None = Field(None, ge=0.5, le=120)


@router.get("/settings")
def get_settings(auth: Read) -> dict[str, Any]:
    return acme.acme_settings(auth.ctx).to_dict()


@router.patch("/settings")
def update_settings(body: SettingsPatch, auth: Execute) -> dict[str, Any]:
    return acme.update_acme_settings(auth.ctx, **body.model_dump()).to_dict()
