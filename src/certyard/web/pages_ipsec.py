"""IPsec policies: list (weak choices in their own column), add, edit, enable/disable,
Delete Selected, and export as strongSwan swanctl files. A pre-shared key is never shown or
echoed back; on edit an empty key field keeps the stored one."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from certyard import ipsec
from certyard.errors import CertyardError, InvalidInput, InvalidInputs
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.web.flash import flash_redirect
from certyard.web.forms import errors_of
from certyard.web.render import render

router = APIRouter()
PolicyRead = Annotated[Auth, Depends(require("policy:read"))]
PolicyCreate = Annotated[Auth, Depends(require("policy:create"))]
PolicyEdit = Annotated[Auth, Depends(require("policy:edit"))]
PolicyDelete = Annotated[Auth, Depends(require("policy:delete"))]
PolicyExec = Annotated[Auth, Depends(require("policy:execute"))]
_TEXT = ("group_name", "name", "auth_method", "peer_type", "destination_address",
         "source_address", "mode", "protocol", "encryption_algorithm", "hash_algorithm",
         "esp_algorithm")
_NUMBERS = ("destination_port", "source_port", "remote_port", "phase1_lifetime", "phase1_dh",
            "phase2_lifetime", "phase2_dh")
_ANY_PORTS = ("destination_port", "source_port")  # empty means any, shown as "any"
_REQUIRED = ("group_name", "name", "destination_address", "source_address")
# The form's labels (seed 001 Table 4), used by the template and in every error message,
# so a message names the box the user typed into, never an internal field name.
LABELS = {
    "group_name": "Policy Group Name", "name": "Policy Name",
    "auth_method": "Authentication Method", "preshared_key": "Preshared Key",
    "peer_type": "Peer Type", "destination_address": "Destination Address",
    "destination_port": "Destination Port", "source_address": "Source Address",
    "source_port": "Source Port", "mode": "Mode", "remote_port": "Remote Port",
    "protocol": "Protocol", "encryption_algorithm": "Encryption Algorithm",
    "hash_algorithm": "Hash Algorithm", "esp_algorithm": "ESP Algorithm",
    "phase1_lifetime": "Phase One Life Time (s)", "phase1_dh": "Phase One DH",
    "phase2_lifetime": "Phase Two Life Time (s)", "phase2_dh": "Phase Two DH",
    "enabled": "Enable Policy",
}
# How the domain's messages start for a field, when not with the field's own words.
_SPOKEN = {"group_name": ("policy group name",), "name": ("policy name",),
           "phase1_lifetime": ("phase one lifetime",),
           "phase2_lifetime": ("phase two lifetime",),
           "preshared_key": ("the pre-shared key", "a pre-shared key")}


def _page(request: Request, auth: Auth, *, errors: dict[str, str] | None = None,
          status: int = 200, form: dict[str, str] | None = None,
          editing: str = "") -> Response:
    return render(request, "security_ipsec.html", status=status, title="IPsec Policies",
                  policies=ipsec.list_policies(auth.ctx), choices=ipsec.choices(),
                  errors=errors or {}, form=form or {}, editing=editing, labels=LABELS)


@router.get("/ipsec")
def ipsec_page(request: Request, auth: PolicyRead) -> Response:
    return _page(request, auth)


def _labelled(exc: CertyardError, editing: str) -> dict[str, str]:
    """Each problem under its box, in the form's words: "destination port must be
    1-65535" becomes "Destination Port must be 1-65535"; a problem of no box (or of the
    name, which cannot change on edit) goes above the form."""
    out: dict[str, str] = {}
    for key, message in errors_of(exc).items():
        if key in LABELS:
            for spoken in (key.replace("_", " "), *_SPOKEN.get(key, ())):
                if message.lower().startswith(spoken + " "):
                    message = LABELS[key] + message[len(spoken):]
                    break
            else:
                message = f"{LABELS[key]}: {message}"
        if key not in LABELS or (editing and key == "name"):
            key = "_"
        out[key] = f"{out[key]}; {message}" if key in out else message
    return out


def _spec_values(form: dict[str, str]) -> dict[str, Any]:
    """The form's fields read by the spec's own parse(), as in the CLI and API. An empty
    port means any (no port); an unticked box means disabled. Every problem at once: the
    empty required boxes, the unreadable values and what the spec refuses of the rest."""
    problems: list[InvalidInput] = [InvalidInput(f"{LABELS[k]} is required", field=k)
                                    for k in _REQUIRED if not form.get(k, "").strip()]
    raw: dict[str, Any] = {k: form.get(k, "") for k in (*_TEXT, *_NUMBERS)}
    try:
        data = ipsec.IpsecPolicySpec.parse(raw)
    except InvalidInputs as exc:
        problems += exc.problems
        data = {}
    except InvalidInput as exc:
        problems.append(exc)
        data = {}
    if problems and not data:  # read what can be read, to check it too
        for k, v in raw.items():
            try:
                data.update(ipsec.IpsecPolicySpec.parse({k: v}))
            except InvalidInput:
                continue
    for k in ("destination_port", "source_port"):
        data.setdefault(k, None)
    data["preshared_key"] = form.get("preshared_key") or None
    data["enabled"] = form.get("enabled") == "true"
    if problems:
        problems += _spec_problems(data, {p.field for p in problems})
        raise problems[0] if len(problems) == 1 else InvalidInputs(problems)
    return data


# Stand-ins for boxes already refused, so the rest of the form is checked as well.
_STAND_INS = {"group_name": "checking", "name": "checking",
              "destination_address": "192.0.2.1", "source_address": "192.0.2.2"}


def _spec_problems(data: dict[str, Any], reported: set[str | None]) -> list[InvalidInput]:
    """What the spec refuses of the values not already reported."""
    values = {k: v for k, v in data.items() if k not in reported and v != ""}
    stand_in = {k: v for k, v in _STAND_INS.items() if k not in values}
    try:
        ipsec.IpsecPolicySpec.from_dict({**values, **stand_in})
    except InvalidInputs as exc:
        found = list(exc.problems)
    except InvalidInput as exc:
        found = [exc]
    else:
        return []
    skip = set(reported) | set(stand_in)
    if {"destination_address", "source_address"} & set(stand_in):
        skip.add("destination_address")  # "the same address" compared a stand-in
    return [p for p in found if p.field not in skip]


async def _typed(request: Request) -> dict[str, str]:
    return {k: str(v)[:300] for k, v in (await request.form()).items() if k != "csrf_token"}


def _refused(request: Request, auth: Auth, exc: CertyardError, form: dict[str, str],
             editing: str = "") -> Response:
    # A secret is never echoed back; the form asks for it again if one was typed.
    form["psk_typed"] = "yes" if form.pop("preshared_key", "") else ""
    form.setdefault("enabled", "")
    return _page(request, auth, errors=_labelled(exc, editing), status=http_status(exc),
                 form=form, editing=editing)


@router.post("/ipsec")
async def ipsec_add(request: Request, auth: PolicyCreate) -> Response:
    form = await _typed(request)
    try:
        data = _spec_values(form)
        ipsec.add_policy(auth.ctx, ipsec.IpsecPolicySpec.from_dict(
            {k: v for k, v in data.items() if v != ""}))
    except CertyardError as exc:
        return _refused(request, auth, exc, form)
    return flash_redirect(request, "/ipsec", f"IPsec policy {data['name']} saved.")


@router.get("/ipsec/{name}/edit")
def ipsec_edit_page(request: Request, name: str, auth: PolicyEdit) -> Response:
    view = ipsec.get_policy(auth.ctx, name)
    spec = view.spec
    form = {k: "" if getattr(spec, k, None) is None else str(getattr(spec, k))
            for k in (*_TEXT, *_NUMBERS)}
    for k in _ANY_PORTS:  # no port stored means any port: say so, as the add form does
        form[k] = form[k] or "any"
    form["enabled"] = "true" if spec.enabled else ""
    return _page(request, auth, form=form, editing=name)


@router.post("/ipsec/{name}/edit")
async def ipsec_edit(request: Request, name: str, auth: PolicyEdit) -> Response:
    form = await _typed(request)
    form["name"] = name
    try:
        data = _spec_values(form)
        if data["preshared_key"] is None:
            data.pop("preshared_key")  # empty: keep the stored key
        data.pop("name")
        ipsec.update_policy(auth.ctx, name, **{k: v for k, v in data.items() if v != ""})
    except CertyardError as exc:
        return _refused(request, auth, exc, form, editing=name)
    return flash_redirect(request, "/ipsec", f"IPsec policy {name} updated.")


@router.post("/ipsec/{name}/enabled")
def ipsec_toggle(request: Request, name: str, auth: PolicyEdit,
                 enabled: Annotated[bool, Form()] = False) -> Response:
    return _do(request, auth, lambda: ipsec.set_enabled(auth.ctx, name, enabled),
               f"IPsec policy {name} {'enabled' if enabled else 'disabled'}.")


@router.post("/ipsec/delete")
def ipsec_delete(request: Request, auth: PolicyDelete,
                 names: Annotated[list[str], Form()]) -> Response:
    return _do(request, auth, lambda: ipsec.delete_policies(auth.ctx, names),
               f"Deleted {len(names)} IPsec policies.")


@router.post("/ipsec/export")
def ipsec_export(request: Request, auth: PolicyExec,
                 node: Annotated[str, Form(max_length=253)] = "") -> Response:
    """The enabled policies as swanctl files (a .tar.gz for /etc/swanctl). POST, not GET:
    the archive holds the pre-shared keys, so it is never a link a page can prefetch."""
    try:
        res = ipsec.export_swanctl(auth.ctx, node=node or None)
    except CertyardError as exc:
        return _page(request, auth, errors={"_": exc.message}, status=http_status(exc))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path, text in sorted(res.files.items()):
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
    return Response(buf.getvalue(), media_type="application/gzip",
                    headers={"Content-Disposition": 'attachment; filename="swanctl.tar.gz"'})


def _do(request: Request, auth: Auth, fn: Callable[[], Any], ok: str) -> Response:
    try:
        fn()
    except CertyardError as exc:  # no form box here: the message goes above the list
        return _page(request, auth, errors={"_": exc.message}, status=http_status(exc))
    return flash_redirect(request, "/ipsec", ok)
