"""The built-in CA: pending requests (issue, deny), issued, revoked, revoke."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from certyard import ca
from certyard.api.v1.common import CSR_WHAT, ERRORS, Id, upload_bytes
from certyard.errors import NotFound, NotInitialised
from certyard.http.auth import Auth, require

router = APIRouter(prefix="/ca", tags=["ca"], responses=ERRORS)
Read = Annotated[Auth, Depends(require("ca:read"))]
Execute = Annotated[Auth, Depends(require("ca:execute"))]
Serial = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/requests")
def list_requests(auth: Read,
                  state: Literal["pending", "issued", "denied"] | None = None,
                  ) -> list[dict[str, Any]]:
    return [r.to_dict() for r in ca.list_requests(auth.ctx, state=state)]


# Over the API only end-entity profiles (server-client, server, client): the ca service
# refuses the others to a "remote" caller (ca.profiles.check_profile_for_caller).
EndEntityProfile = Annotated[str, Field(min_length=1, max_length=32,
                                        description="server-client, server or client")]


class SubmitIn(BaseModel):
    csr: str = Field(..., min_length=1, max_length=200_000, description="PEM CSR")
    profile: EndEntityProfile | None = None


@router.post("/requests", status_code=201)
def submit_request(body: SubmitIn,
                   auth: Annotated[Auth, Depends(require("ca:create"))]) -> dict[str, Any]:
    data = upload_bytes(body.csr, auth.ctx.settings.max_upload_bytes, "csr", CSR_WHAT)
    return ca.submit_request(auth.ctx, data, profile=body.profile, caller="remote").to_dict()


class SignPendingIn(BaseModel):
    purpose: str = Field(..., min_length=1, max_length=64)
    node: str | None = Field(None, max_length=253)
    approve: bool = False


@router.post("/requests/from-store", status_code=201)
def sign_pending(body: SignPendingIn, auth: Execute) -> dict[str, Any]:
    """Send a node's pending CSR to the CA (and with ``approve`` issue and install it)."""
    return ca.sign_pending(auth.ctx, body.purpose, node=body.node,
                           approve=body.approve).to_dict()


@router.get("/requests/{request_id}")
def show_request(request_id: Id, auth: Read) -> dict[str, Any]:
    return ca.show_request(auth.ctx, request_id).to_dict()


class IssueIn(BaseModel):
    profile: EndEntityProfile | None = None
    days: int | None = Field(None, ge=1, le=3650)


@router.post("/requests/{request_id}/issue")
def issue_request(request_id: Id, auth: Execute, body: IssueIn | None = None
                  ) -> dict[str, Any]:
    """Every field is optional (the request's own profile, the profile's default validity),
    so no body at all is the same as ``{}``."""
    body = body or IssueIn(profile=None, days=None)
    return ca.issue_request(auth.ctx, request_id, profile=body.profile, days=body.days,
                            caller="remote").to_dict()


class DenyIn(BaseModel):
    reason: str = Field(..., max_length=500)


@router.post("/requests/{request_id}/deny")
def deny_request(request_id: Id, body: DenyIn, auth: Execute) -> dict[str, Any]:
    return ca.deny_request(auth.ctx, request_id, reason=body.reason).to_dict()


@router.get("/keys")
def list_keys(auth: Read) -> list[dict[str, Any]]:
    """The CA certificates and where each key lives (sealed file or PKCS#11 token)."""
    return [k.to_dict() for k in ca.describe_ca_keys(auth.ctx)]


@router.get("/issued")
def list_issued(auth: Read, status: Literal["good", "revoked", "hold"] | None = None,
                ) -> list[dict[str, Any]]:
    return [i.to_dict() for i in ca.list_issued(auth.ctx, status=status, with_pem=True)]


class IssueNowIn(BaseModel):
    csr: str = Field(..., min_length=1, max_length=200_000, description="PEM CSR")
    profile: EndEntityProfile | None = None
    days: int | None = Field(None, ge=1, le=3650)


@router.post("/issued", status_code=201, response_class=JSONResponse)
async def submit_and_issue(body: IssueNowIn, auth: Execute) -> JSONResponse:
    """Submit and issue in one call (the role needs ``ca:create`` and ``ca:execute``);
    answers once the certificate is durably stored: ``request_id``, ``serial``,
    ``subject``, ``sans``, ``profile``, ``not_before``, ``not_after``, ``pem``,
    ``chain_pem``."""
    data = upload_bytes(body.csr, auth.ctx.settings.max_upload_bytes, "csr", CSR_WHAT)
    view = await ca.submit_and_issue_async(auth.ctx, data, profile=body.profile,
                                           days=body.days,
                                           privileges=auth.principal.privileges,
                                           caller="remote")
    return JSONResponse(view.to_dict(), status_code=201)  # plain str fields: no encoder pass


@router.get("/issued/{serial}")
def show_issued(serial: Serial, auth: Read) -> dict[str, Any]:
    return ca.show_issued(auth.ctx, serial).to_dict()


class RevokeIn(BaseModel):
    reason: str = Field("unspecified", max_length=40)


@router.post("/issued/{serial}/revoke")
def revoke(serial: Serial, body: RevokeIn,
           auth: Annotated[Auth, Depends(require("ca:delete"))]) -> dict[str, Any]:
    return ca.revoke_certificate(auth.ctx, serial, reason=body.reason).to_dict()


@router.post("/issued/{serial}/release-hold")
def release_hold(serial: Serial,
                 auth: Annotated[Auth, Depends(require("ca:edit"))]) -> dict[str, Any]:
    return ca.release_hold(auth.ctx, serial).to_dict()


@router.get("/crl", response_class=Response,
            responses={200: {"content": {"application/pkix-crl": {}}}})
def crl(auth: Read, delta: bool = False) -> Response:
    """The issuing CA's current CRL (DER), or with ``delta=true`` its delta CRL (404 when
    delta CRLs are off, or when there is no CA yet: no CRL to give)."""
    try:
        der = ca.current_delta_crl(auth.ctx) if delta else ca.current_crl(auth.ctx)
    except NotInitialised as exc:
        raise NotFound("CRL", f"({exc.message})") from None
    return Response(der, media_type="application/pkix-crl")
