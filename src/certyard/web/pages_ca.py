"""Certificate Authority: Pending Requests (issue, deny), Issued, Revoked, revoke."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote_plus

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from certyard import ca
from certyard.api.auth import Auth, require
from certyard.api.params import Id
from certyard.errors import CertyardError
from certyard.web.render import render

router = APIRouter()
Execute = Annotated[Auth, Depends(require("ca:execute"))]


def _back(tab: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"/ca?tab={tab}&notice={quote_plus(message)}", status_code=303)


@router.get("/ca")
def ca_page(request: Request, auth: Annotated[Auth, Depends(require("ca:read"))],
            tab: str = "pending", error: str = "") -> Response:
    tab = tab if tab in ("pending", "issued", "revoked", "denied") else "pending"
    requests, issued, message = [], [], ""
    keys: list[ca.CaKeyView] = []
    try:
        keys = ca.describe_ca_keys(auth.ctx)  # where each CA key lives
        if tab in ("pending", "denied"):
            requests = ca.list_requests(auth.ctx, state=tab)
        else:
            issued = ca.list_issued(auth.ctx, status="revoked" if tab == "revoked" else None)
    except CertyardError as exc:
        message = exc.message
    return render(request, "ca.html", title="Certificate Authority", tab=tab,
                  requests=requests, issued=issued, reasons=list(ca.REASONS), keys=keys,
                  error=message or error[:200])


def _act(tab: str, fn: object, ok: str) -> Response:
    try:
        fn()  # type: ignore[operator]
    except CertyardError as exc:
        return RedirectResponse(f"/ca?tab={tab}&error={quote_plus(exc.message)}",
                                status_code=303)
    return _back(tab, ok)


@router.post("/ca/requests/{request_id}/issue")
def issue(request_id: Id, auth: Execute) -> Response:
    return _act("pending", lambda: ca.issue_request(auth.ctx, request_id),
                f"Issued request {request_id}.")


@router.post("/ca/requests/{request_id}/deny")
def deny(request_id: Id, auth: Execute,
         reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    return _act("pending", lambda: ca.deny_request(auth.ctx, request_id, reason=reason),
                f"Denied request {request_id}.")


@router.post("/ca/sign-csr")
def sign_csr(auth: Execute, purpose: Annotated[str, Form(max_length=64)],
             node: Annotated[str, Form(max_length=253)] = "") -> Response:
    return _act("pending", lambda: ca.sign_pending(auth.ctx, purpose, node=node or None),
                f"Sent the {purpose} CSR to the built-in CA; issue it below.")


@router.post("/ca/issued/{serial}/revoke")
def revoke(serial: str, auth: Annotated[Auth, Depends(require("ca:delete"))],
           reason: Annotated[str, Form(max_length=40)] = "unspecified") -> Response:
    return _act("issued", lambda: ca.revoke_certificate(auth.ctx, serial, reason=reason),
                f"Revoked {serial}.")
