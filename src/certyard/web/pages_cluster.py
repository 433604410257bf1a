"""Cluster distribution pages: per node, whether its agent holds the current desired state
(and a one-time enrollment token), and the secured-connection matrix with check and fix.
Thin: each route calls one ``certyard.cluster`` service function."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from certyard import cluster, store
from certyard.errors import CertyardError
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.web.flash import flash_redirect
from certyard.web.render import render

router = APIRouter()
Read = Annotated[Auth, Depends(require("nodes:read"))]
Execute = Annotated[Auth, Depends(require("nodes:execute"))]
# An enrolled agent receives its node's private keys: minting a token is key access.
KeyAccess = Annotated[Auth, Depends(require("keys:read"))]


def _agents_page(request: Request, auth: Auth, *, status: int = 200, token: object = None,
                 error: str = "") -> Response:
    rows, open_mode = cluster.list_agent_status(auth.ctx)
    return render(request, "cluster_agents.html", status=status, title="Node agents",
                  rows=rows, open_mode=open_mode, token=token, error=error,
                  agents=cluster.list_enrolled_agents(auth.ctx),
                  nodes=[n.name for n in cluster.list_nodes(auth.ctx)])


@router.get("/nodes/agents")
def agents_page(request: Request, auth: Read) -> Response:
    return _agents_page(request, auth)


@router.post("/nodes/agents/token")
def make_token(request: Request, auth: KeyAccess, node: Annotated[str, Form(max_length=253)],
               minutes: Annotated[int, Form()] = 60) -> Response:
    try:
        token = cluster.create_enroll_token(auth.ctx, node, minutes=minutes)
    except CertyardError as exc:
        return _agents_page(request, auth, status=http_status(exc), error=exc.message)
    return _agents_page(request, auth, token=token)


@router.post("/nodes/agents/revoke")
def revoke_agent(request: Request, auth: Execute,
                 serial: Annotated[str, Form(max_length=64)]) -> Response:
    try:
        cluster.revoke_agents(auth.ctx, serial=serial)
    except CertyardError as exc:
        return _agents_page(request, auth, status=http_status(exc), error=exc.message)
    return flash_redirect(request, "/nodes/agents", f"Revoked agent {serial}.")


def _connections_page(request: Request, auth: Auth, *, status: int = 200, error: str = "",
                      form: dict[str, str] | None = None) -> Response:
    return render(request, "cluster_connections.html", status=status,
                  title="Secured connections", views=cluster.list_connections(auth.ctx),
                  nodes=[n.name for n in cluster.list_nodes(auth.ctx)], error=error,
                  form=form or {}, purposes=[p.name for p in store.list_purposes(auth.ctx)])


@router.get("/nodes/connections")
def connections_page(request: Request, auth: Read) -> Response:
    return _connections_page(request, auth)


@router.post("/nodes/connections")
def add_connection(request: Request, auth: Execute,
                   name: Annotated[str, Form(max_length=64)],
                   client_purpose: Annotated[str, Form(max_length=64)],
                   client_node: Annotated[str, Form(max_length=253)],
                   server_purpose: Annotated[str, Form(max_length=64)],
                   server_node: Annotated[str, Form(max_length=253)],
                   mode: Annotated[str, Form(max_length=16)] = "mutual") -> Response:
    form = {"name": name, "client_purpose": client_purpose, "client_node": client_node,
            "server_purpose": server_purpose, "server_node": server_node, "mode": mode}
    try:
        cluster.add_connection(auth.ctx, **form)
    except CertyardError as exc:
        return _connections_page(request, auth, status=http_status(exc), error=exc.message,
                                 form=form)
    return flash_redirect(request, "/nodes/connections", f"Added {name}.")


@router.post("/nodes/connections/{name}/fix")
def fix_connection(request: Request, name: str, auth: Execute) -> Response:
    try:
        _, imported = cluster.fix_connection(auth.ctx, name)
    except CertyardError as exc:
        return _connections_page(request, auth, status=http_status(exc), error=exc.message)
    msg = "; ".join(f"Imported {x}" for x in imported) or "Nothing to import."
    return flash_redirect(request, "/nodes/connections", msg)


@router.post("/nodes/connections/{name}/remove")
def remove_connection(request: Request, name: str, auth: Execute) -> Response:
    cluster.remove_connection(auth.ctx, name)
    return flash_redirect(request, "/nodes/connections", f"Removed {name}.")
