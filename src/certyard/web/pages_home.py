"""The dashboard (home page), Settings (CA URLs and listeners) and a page per node."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from certyard import ca, cluster, monitor, store
from certyard.errors import (
    CertyardError,
    InvalidInput,
    InvalidInputs,
    NotFound,
    PermissionDenied,
)
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.web.flash import flash_redirect
from certyard.web.forms import errors_of
from certyard.web.render import render

router = APIRouter()
Signed = Annotated[Auth, Depends(require(None))]
SettingsRead = Annotated[Auth, Depends(require("settings:read"))]
SettingsEdit = Annotated[Auth, Depends(require("settings:edit"))]
NodesRead = Annotated[Auth, Depends(require("nodes:read"))]


@router.get("/")
def dashboard(request: Request, auth: Signed) -> Response:
    summary = monitor.dashboard_summary(auth.ctx, privileges=auth.principal.privileges)
    # "Expires next" marks revoked/held certificates from the same source as the list.
    states = monitor.revocation_states(auth.ctx, [e.id for e in summary.expiring])
    request.state.revoked = frozenset(e.serial for e in summary.expiring if e.serial
                                      and e.id in states
                                      and states[e.id].status in ("revoked", "hold"))
    return render(request, "dashboard.html", title="Dashboard", d=summary)


def _running(request: Request) -> dict[str, object]:
    server = getattr(request.app.state, "server", None)
    return dict(getattr(server, "listeners", {}) or {})


def _settings_page(request: Request, auth: Auth, *, errors: dict[str, str] | None = None,
                   form: dict[str, str] | None = None, status: int = 200) -> Response:
    running = _running(request)
    try:
        ca_conf = ca.ca_settings(auth.ctx)
        base_url = ca_conf.base_url
    except CertyardError:
        base_url = ""
    listeners = ca.listener_settings(auth.ctx)
    shown = {"base_url": base_url, "names": "\n".join(listeners.names),
             "http_port": str(listeners.http_port), "https_port": str(listeners.https_port)}
    shown.update(form or {})
    return render(request, "settings.html", status=status, title="Settings", form=shown,
                  errors=errors or {}, running=running,
                  warnings=ca.url_warnings(auth.ctx, running=running or None),
                  urls=ca.embedded_urls(auth.ctx))


@router.get("/settings")
def settings_page(request: Request, auth: SettingsRead) -> Response:
    return _settings_page(request, auth)


@router.post("/settings")
def save_settings(request: Request, auth: SettingsEdit,
                  base_url: Annotated[str, Form(max_length=500)] = "",
                  names: Annotated[str, Form(max_length=5000)] = "",
                  http_port: Annotated[str, Form(max_length=8)] = "",
                  https_port: Annotated[str, Form(max_length=8)] = "") -> Response:
    form = {"base_url": base_url, "names": names, "http_port": http_port,
            "https_port": https_port}
    # Every value is checked before anything is saved, and every problem shown at once,
    # each under its field.
    problems: list[InvalidInput] = []
    url = base_url.strip()
    try:
        current = ca.ca_settings(auth.ctx)
        if url and url != current.base_url:
            if "ca:edit" not in auth.principal.privileges:
                raise PermissionDenied("changing the CA base URL needs the ca:edit privilege")
            try:
                dataclasses.replace(current, base_url=url)  # the CA settings' own check
            except InvalidInput as exc:
                problems.append(exc)
        try:
            ca.update_listeners(auth.ctx, names=names.split(), http_port=http_port,
                                https_port=https_port, check_only=True)
        except InvalidInputs as exc:
            problems += exc.problems
        except InvalidInput as exc:
            problems.append(exc)
        if problems:
            raise problems[0] if len(problems) == 1 else InvalidInputs(problems)
        if url and url != current.base_url:
            ca.configure_ca(auth.ctx, base_url=url)
        ca.update_listeners(auth.ctx, names=names.split(), http_port=http_port,
                            https_port=https_port)
    except CertyardError as exc:
        return _settings_page(request, auth, errors=errors_of(exc), form=form,
                              status=http_status(exc))
    warnings = ca.url_warnings(auth.ctx, running=_running(request) or None)
    msg = "Settings saved. Certificates issued from now on carry the new URLs."
    if warnings:
        msg += " Warning: " + "; ".join(warnings) + "."
    return flash_redirect(request, "/settings", msg)


@router.get("/nodes/{name}")
def node_page(request: Request, name: str, auth: NodesRead) -> Response:
    node = next((n for n in cluster.list_nodes(auth.ctx) if n.name == name), None)
    if node is None:
        raise NotFound("node", name[:64])
    entries = []
    if "certificates:read" in auth.principal.privileges:
        entries = store.find_entries(auth.ctx, node=name, sort="expiration",
                                     page_size=250).items
    rows, _open = cluster.list_agent_status(auth.ctx)
    agent = next((r for r in rows if r.node == name), None)
    return render(request, "node.html", title=f"Node {name}", node=node, entries=entries,
                  agent=agent)
