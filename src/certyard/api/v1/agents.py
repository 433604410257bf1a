"""Node agents: enrollment tokens, open enrollment, the enrolled agents and their
revocation. Minting a token or opening enrollment hands out a node's keys, so those routes
need the key-access privilege (``keys:read``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from certyard import cluster
from certyard.api.v1.common import ERRORS
from certyard.http.auth import Auth, require

router = APIRouter(responses=ERRORS, tags=["agents"])
Read = Annotated[Auth, Depends(require("nodes:read"))]
Execute = Annotated[Auth, Depends(require("nodes:execute"))]
KeyAccess = Annotated[Auth, Depends(require("keys:read"))]


class TokenIn(BaseModel):
    node: str = Field(..., min_length=1, max_length=253)
    minutes: int = Field(60, ge=1, le=10080)


class RevokeIn(BaseModel):
    serial: str | None = Field(None, min_length=1, max_length=64)
    node: str | None = Field(None, min_length=1, max_length=253)
    reason: Literal["cessationOfOperation", "keyCompromise", "superseded",
                    "unspecified"] = "cessationOfOperation"


class OpenIn(BaseModel):
    enabled: bool


@router.get("/agents")
def list_agents(auth: Read, node: Annotated[str | None, Query(max_length=253)] = None,
                all: bool = False) -> dict[str, Any]:
    rows = cluster.list_enrolled_agents(auth.ctx, node=node, include_inactive=all)
    return {"agents": [r.to_dict() for r in rows]}


@router.post("/agents/enroll-token", status_code=201)
def make_enroll_token(body: TokenIn, auth: KeyAccess) -> dict[str, Any]:
    return cluster.create_enroll_token(auth.ctx, body.node, minutes=body.minutes).to_dict()


@router.post("/agents/revoke")
def revoke_agents(body: RevokeIn, auth: Execute) -> dict[str, Any]:
    rows = cluster.revoke_agents(auth.ctx, serial=body.serial, node=body.node,
                                 reason=body.reason)
    return {"revoked": [r.to_dict() for r in rows]}


@router.put("/agents/open-enrollment")
def open_enrollment(body: OpenIn, auth: KeyAccess) -> dict[str, Any]:
    value = cluster.set_open_enrollment(auth.ctx, body.enabled)
    return {"open_enrollment": bool(value["open_enrollment"])}
