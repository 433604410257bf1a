"""The agent API, served on its own mutual-TLS listener (``certyard agent-server``,
assembled in certyard.server.agent_listener).

    POST /agent/v1/enroll      token + CSR -> client certificate (no client cert needed)
    POST /agent/v1/renew       CSR -> new client certificate (current client cert needed)
    GET  /agent/v1/state       the node's desired state; 304 when ``If-None-Match`` holds
    POST /agent/v1/report      what the agent installed, or its failure
    GET  /agent/v1/trustlist   signed trust lists newer than ``after`` (no client cert needed)

The TLS layer requests a client certificate and checks it chains to the built-in CA; the
routes then map it to a node (``certyard.cluster.agents.node_for_peer``). The peer
certificate reaches the routes through the ASGI TLS extension
(``scope["extensions"]["tls"]["client_cert_chain"]``), which our listener fills in.
"""

from __future__ import annotations

import ssl
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from certyard.cluster import agents
from certyard.cluster.trustlist import trust_lists_after
from certyard.errors import InvalidInput
from certyard.http.auth import app_ctx
from certyard.http.params import QueryCount, etag_value

__all__ = ["peer_certificate", "router"]

router = APIRouter(prefix="/agent/v1")


class EnrollBody(BaseModel):
    token: str | None = Field(default=None, max_length=200)
    node: str | None = Field(default=None, max_length=253)
    csr: str = Field(max_length=64 * 1024)


class RenewBody(BaseModel):
    csr: str = Field(max_length=64 * 1024)


class ReportBody(BaseModel):
    version: str = Field(default="", max_length=64)
    ok: bool = True
    error: str = Field(default="", max_length=4000)
    fingerprints: dict[str, str] = Field(default_factory=dict, max_length=5000)


_ctx = app_ctx


def peer_certificate(request: Request) -> bytes | None:
    """DER of the verified client certificate, or None."""
    tls = request.scope.get("extensions", {}).get("tls", {})
    chain = tls.get("client_cert_chain") or []
    if not chain:
        return None
    return ssl.PEM_cert_to_DER_cert(chain[0])


@router.get("/ca")
def ca_chain(request: Request) -> dict[str, Any]:
    """The CA chain (public, as on /ca/): an agent checks it against its pinned
    fingerprint before it sends an enrollment token over a connection verified with it."""
    from certyard.ca import export_ca

    return {"chain": export_ca(_ctx(request), format="pem", chain=True).decode()}


@router.post("/enroll")
def enroll(request: Request, body: EnrollBody) -> dict[str, Any]:
    return agents.enroll_agent(_ctx(request), token=body.token, node=body.node,
                               csr_pem=body.csr.encode()).to_dict()


@router.post("/renew")
def renew(request: Request, body: RenewBody) -> dict[str, Any]:
    peer = peer_certificate(request)
    if peer is None:
        from certyard.errors import AuthenticationFailed

        raise AuthenticationFailed("a client certificate is required")
    return agents.renew_agent(_ctx(request), peer_der=peer, csr_pem=body.csr.encode()).to_dict()


@router.get("/state")
def state(request: Request) -> Response:
    try:
        known = etag_value(request.headers.get("if-none-match"))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="If-None-Match") from None
    version, body = agents.sync_state(_ctx(request), peer_der=peer_certificate(request),
                                      known_version=known)
    if body is None:
        return Response(status_code=304, headers={"ETag": f'"{version}"'})
    return JSONResponse(body, headers={"ETag": f'"{version}"'})


@router.post("/report")
def report(request: Request, body: ReportBody) -> dict[str, Any]:
    agents.report_status(_ctx(request), peer_der=peer_certificate(request),
                         report=body.model_dump())
    return {"ok": True}


@router.get("/trustlist")
def trustlist(request: Request, after: QueryCount = 0) -> dict[str, Any]:
    lists = trust_lists_after(_ctx(request), after)
    return {"lists": [x.decode() for x in lists]}
