"""Certificates (list, details, download, delete, generate, CSR, upload) and Nodes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from certyard import cluster, monitor, store
from certyard.errors import CertyardError, InvalidFile, InvalidInput
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.http.params import Id, attachment
from certyard.store.entries import SORT_KEYS
from certyard.web.flash import flash_redirect
from certyard.web.forms import errors_of
from certyard.web.render import format_date, human, render

router = APIRouter()
Read = Annotated[Auth, Depends(require("certificates:read"))]
Create = Annotated[Auth, Depends(require("certificates:create"))]
Delete = Annotated[Auth, Depends(require("certificates:delete"))]
TYPES = {"identity": "Identity", "trust": "Trust", "csr": "CSR Only"}


def _done(request: Request, path: str, message: str) -> RedirectResponse:
    return flash_redirect(request, path, message)


def _int(text: str | None, default: int, field: str) -> int:
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(f"{field.replace('_', ' ')} must be a number", field=field) from None
    if not 0 <= value <= 1_000_000:
        raise InvalidInput(f"{field.replace('_', ' ')} must be 0 to 1000000", field=field)
    return value


def _filter_problems(q: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Read the list's query; a value that cannot be used is dropped (its default applies)
    and named in a message shown above the list, never a 422 page."""
    problems: list[str] = []
    args: dict[str, Any] = {"expiring_before": None, "page": 1, "page_size": 50}
    if q.get("expiring_before"):
        try:
            args["expiring_before"] = dt.datetime.fromisoformat(
                q["expiring_before"]).replace(tzinfo=dt.timezone.utc)
        except ValueError:
            problems.append(f"Expiring before \"{q.pop('expiring_before')[:40]}\" is not a "
                            "date (use YYYY-MM-DD); showing every date.")
    for key, label, low, high in (("page", "Page", 1, 1_000_000),
                                  ("page_size", "Page size", 1, 1000)):
        text = q.get(key)
        if text is None:
            continue
        if text.strip().lstrip("-").isdigit() and low <= int(text) <= high:
            args[key] = int(text)
        else:
            q.pop(key)
            problems.append(f"{label} must be a whole number from {low} to {high}; "
                            f"showing {label.lower()} {args[key]}.")
    if q.get("sort") and q["sort"] not in SORT_KEYS:
        problems.append(f"Sort \"{q.pop('sort')[:40]}\" is not a column; sorted by common name.")
    return args, problems


@router.get("/certificates")
def certificates(request: Request, auth: Read) -> Response:
    q = {k: v for k, v in request.query_params.items() if v}
    args, problems = _filter_problems(q)
    page = store.find_entries(
        auth.ctx, node=q.get("node"), purpose=q.get("purpose"), type=q.get("type"),
        text=q.get("find"), expiring_before=args["expiring_before"],
        sort=q.get("sort", "common_name"), page=args["page"], page_size=args["page_size"])
    purposes = [p.name for p in store.list_purposes(auth.ctx)]
    purposes += [f"{p}-trust" for p in purposes]

    def qs(**over: Any) -> str:
        return urlencode({**q, **{k: str(v) for k, v in over.items()}})

    states = _revocation(auth, [e.id for e in page.items])
    request.state.revoked = frozenset(e.serial for e in page.items if e.serial and e.id in states
                                      and states[e.id].status in ("revoked", "hold"))
    return render(request, "certificates.html", title="Certificates", page=page, q=q, qs=qs,
                  purposes=purposes, nodes=[n.name for n in cluster.list_nodes(auth.ctx)],
                  revocation=states, problems=problems)


def _revocation(auth: Auth, entry_ids: list[int]) -> dict[int, Any]:
    """Revocation state per store entry: one function (monitor.revocation_states) for the
    list, the details page, the dashboard, the API and the CLI."""
    return monitor.revocation_states(auth.ctx, entry_ids)


def _detail_rows(d: dict[str, Any]) -> list[tuple[str, Any]]:
    det = d["details"]
    rows = [("Type", TYPES[d["type"]]), ("Certificate Purpose", d["store"]),
            ("Node", d["node"] or "all nodes"), ("Distribution", d["distribution"]),
            ("Subject", det["subject"]), ("Issuer", det.get("issuer", "—")),
            ("Serial number", det.get("serial", "—")),
            ("Valid from", format_date(det.get("not_before"))),
            ("Valid to", format_date(det.get("not_after"))),
            ("Key", f"{det['key_type']} {det['key_size']}"),
            ("Signature algorithm", det["signature_algorithm"]),
            ("Subject alternative names", ", ".join(det["sans"]) or "—")]
    for label, key in (("Key usage", "key_usage"), ("Extended key usage", "extended_key_usage"),
                       ("Basic constraints", "basic_constraints")):
        value = det.get(key)
        if isinstance(value, list):
            value = [str(v).replace("_", " ") for v in value]
        if value:
            rows.append((label, human(value)))
    rows.append(("Description", d["description"] or "—"))
    return rows


def _view(auth: Auth, entry_id: Id) -> Any:
    from certyard.store.entries import show_entry_with_view

    return show_entry_with_view(auth.ctx, entry_id)


@router.get("/certificates/generate-self-signed")
def self_signed_page(request: Request, auth: Create, purpose: str = "tomcat",
                     node: str = "") -> Response:
    return _generate_page(request, auth, "self", purpose, node, {}, {})


@router.get("/certificates/generate-csr")
def csr_page(request: Request, auth: Create, purpose: str = "tomcat",
             node: str = "", common_name: str = "", sans: str = "",
             distribution: str = "") -> Response:
    # Changing the purpose reloads this page with what was typed so far (nothing is lost).
    form = {"common_name": common_name[:64], "sans": sans[:10000],
            "distribution": distribution[:16]}
    return _generate_page(request, auth, "csr", purpose, node,
                          {k: v for k, v in form.items() if v}, {})


def _generate_page(request: Request, auth: Auth, kind: str, purpose: str, node: str,
                   form: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    purposes = store.list_purposes(auth.ctx)
    spec = next((p for p in purposes if p.name == purpose), purposes[0] if purposes else None)
    nodes = cluster.list_nodes(auth.ctx)
    chosen = next((n for n in nodes if n.name == node), nodes[0] if nodes else None)
    title = "Generate Certificate Signing Request" if kind == "csr" else \
        "Generate New Self-signed Certificate"
    own = ""
    if kind == "self" and spec is not None:  # a CSR alone changes nothing that is served
        own = monitor.served_certificate_change(auth.ctx, purpose=spec.name,
                                                node=chosen.name if chosen else None)
    return render(request, "generate.html", status=status, title=title, kind=kind,
                  purposes=purposes, spec=spec, nodes=nodes,
                  node=chosen.name if chosen else "", form=form, errors=errors,
                  served_change=own)


@router.post("/certificates/generate-self-signed")
def self_signed(request: Request, auth: Create, purpose: Annotated[str, Form(max_length=64)],
                node: Annotated[str, Form(max_length=253)] = "",
                key_length: Annotated[str, Form(max_length=8)] = "",
                hash: Annotated[str, Form(max_length=16)] = "") -> Response:
    try:
        r = store.generate_self_signed(auth.ctx, purpose, node=node or None,
                                       key_length=_int(key_length, 0, "key_length") or None,
                                       hash_name=hash or None)
    except CertyardError as exc:
        return _generate_page(request, auth, "self", purpose, node,
                              {"key_length": key_length, "hash": hash},
                              _on_fields(errors_of(exc)), http_status(exc))
    msg = f"Generated a new self-signed {purpose} certificate. Restart the services that use it."
    if purpose in monitor.SERVED_PURPOSES and any(
            c.entry_id == r.entries[0].id for c in monitor.served_certificates(auth.ctx)):
        msg += " This server's HTTPS listener now serves it: your browser will warn until " \
               "you trust it."
    return _done(request, f"/certificates/{r.entries[0].id}", msg)


@router.post("/certificates/generate-csr")
def csr(request: Request, auth: Create, purpose: Annotated[str, Form(max_length=64)],
        node: Annotated[str, Form(max_length=253)] = "",
        distribution: Annotated[str, Form(max_length=16)] = "single",
        common_name: Annotated[str, Form(max_length=1000)] = "",  # longer: refused in words
        sans: Annotated[str, Form(max_length=10000)] = "",
        key_length: Annotated[str, Form(max_length=8)] = "",
        hash: Annotated[str, Form(max_length=16)] = "") -> Response:
    form = {"distribution": distribution, "common_name": common_name, "sans": sans,
            "key_length": key_length, "hash": hash}
    try:
        r = store.generate_csr(auth.ctx, purpose, node=node or None, distribution=distribution,
                               common_name=common_name or None,
                               sans=[x.strip() for x in sans.split() if x.strip()],
                               key_length=_int(key_length, 0, "key_length") or None,
                               hash_name=hash or None)
    except CertyardError as exc:
        return _generate_page(request, auth, "csr", purpose, node, form,
                              _on_fields(errors_of(exc)), http_status(exc))
    return _done(request, f"/certificates/{r.entries[0].id}", f"Generated a {purpose} CSR "
                 f"for {r.entries[0].node or 'every node'}. Download it for your CA or send "
                 "it to the built-in CA.")


# The generate forms' fields; a domain error names "cn"/"san" (the CLI's --cn/--san).
_FORM_FIELDS = {"cn": "common_name", "san": "sans", "common_name": "common_name",
                "sans": "sans", "node": "node", "distribution": "distribution",
                "key_length": "key_length", "hash": "hash"}


def _on_fields(errors: dict[str, str]) -> dict[str, str]:
    """Each message under the form's field it is about; one the form has no field for
    (the purpose, the CA, the subject defaults...) above the form, never dropped."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        name = _FORM_FIELDS.get(key, "_")
        out[name] = f"{out[name]}; {message}" if name in out else message
    return out


def _csrs(auth: Auth) -> list[Any]:
    return store.find_entries(auth.ctx, type="csr", page_size=1000).items


@router.get("/certificates/download-csr")
def download_csr_page(request: Request, auth: Read) -> Response:
    return render(request, "download_csr.html", title="Download CSR",
                  purposes=store.list_purposes(auth.ctx), csrs=_csrs(auth), error="",
                  nodes=[n.name for n in cluster.list_nodes(auth.ctx)],
                  can_ca="ca:execute" in auth.principal.privileges)


@router.get("/certificates/download-csr/file")
def download_csr(request: Request, auth: Read, purpose: str, node: str = "") -> Response:
    try:
        name, pem = store.download_csr(auth.ctx, purpose, node=node or None)
    except CertyardError as exc:
        return render(request, "download_csr.html", status=http_status(exc),
                      title="Download CSR", purposes=store.list_purposes(auth.ctx),
                      csrs=_csrs(auth), error=exc.message,
                      nodes=[n.name for n in cluster.list_nodes(auth.ctx)],
                      can_ca="ca:execute" in auth.principal.privileges)
    return Response(pem, media_type="application/pkcs10",
                    headers={"Content-Disposition": attachment(name)})


@router.get("/certificates/upload")
def upload_page(request: Request, auth: Create) -> Response:
    return render(request, "upload.html", title="Upload", form={}, errors={},
                  purposes=store.list_purposes(auth.ctx),
                  nodes=[n.name for n in cluster.list_nodes(auth.ctx)])


@router.post("/certificates/upload")
async def upload(request: Request, auth: Create, purpose: Annotated[str, Form(max_length=70)],
                 tasks: BackgroundTasks, file: UploadFile | None = None,
                 node: Annotated[str, Form(max_length=253)] = "",
                 description: Annotated[str, Form(max_length=300)] = "",
                 pem: Annotated[str, Form(max_length=1_000_000)] = "") -> Response:
    limit = auth.ctx.settings.max_upload_bytes
    try:
        data = await file.read(limit + 1) if file is not None else b""
        if not data and pem.strip():
            data = pem.strip().encode()
        if not data:
            raise InvalidFile("choose a certificate file or paste PEM text", field="file")
        if len(data) > limit:
            raise InvalidFile(f"the file is larger than the limit of {limit:,} bytes",
                              field="file")
        if purpose.endswith("-trust"):
            r = store.upload_trust_certificates(auth.ctx, purpose, data,
                                                description=description, after=tasks.add_task)
        else:
            r = store.upload_identity_certificate(auth.ctx, purpose, data, node=node or None,
                                                  description=description,
                                                  after=tasks.add_task)
    except CertyardError as exc:
        if exc.field is None and isinstance(exc, InvalidFile):
            exc.field = "file"
        return render(request, "upload.html", status=http_status(exc), title="Upload",
                      form={"purpose": purpose, "description": description, "node": node,
                            "pem": pem if "PRIVATE KEY" not in pem else ""},
                      errors=errors_of(exc), purposes=store.list_purposes(auth.ctx),
                      nodes=[n.name for n in cluster.list_nodes(auth.ctx)])
    msg = f"Uploaded {len(r.added)} certificate(s)"
    if r.duplicates:
        msg += f"; {len(r.duplicates)} already present"
    if r.restart_services:
        msg += f". Restart: {', '.join(r.restart_services)}"
    return _done(request, "/certificates", msg + ".")


@router.get("/certificates/{entry_id}")
def details(request: Request, entry_id: Id, auth: Read) -> Response:
    return _details_page(request, auth, entry_id)


def _details_page(request: Request, auth: Auth, entry_id: int, *, error: str = "",
                  status: int = 200) -> Response:
    d, view = _view(auth, entry_id)
    rows = _detail_rows(d)
    rev = _revocation(auth, [entry_id]).get(entry_id)
    if rev is not None and rev.status in ("revoked", "hold") and d["details"].get("serial"):
        request.state.revoked = frozenset({d["details"]["serial"]})
    return render(request, "certificate.html", status=status, title=d["common_name"], d=d,
                  v=view, rows=rows, rev=rev, error=error)


@router.post("/certificates/{entry_id}/send-to-ca")
def send_to_ca(request: Request, entry_id: Id,
               auth: Annotated[Auth, Depends(require("ca:execute"))]) -> Response:
    """The CSR on this page goes to the built-in CA's pending queue (or is issued at once
    when auto-approval covers it); the result is the request's page."""
    from certyard import ca

    try:
        r = ca.sign_pending_entry(auth.ctx, entry_id)
    except CertyardError as exc:
        return _details_page(request, auth, entry_id, error=exc.message,
                             status=http_status(exc))
    if r.state == "issued" and r.serial:
        where = f" and installed on {', '.join(r.installed_on)}" if r.installed_on else ""
        return _done(request, f"/ca/certificates/{r.serial}",
                     f"Sent the {r.purpose} CSR to the built-in CA as request {r.id}; "
                     f"auto-approval issued it at once (serial {r.serial}){where}.")
    return _done(request, f"/ca/requests/{r.id}",
                 f"Sent the {r.purpose} CSR of {r.node} to the built-in CA: request {r.id} "
                 "is pending. Check it and issue or deny it below.")


@router.get("/certificates/{entry_id}/download")
def download(entry_id: Id, auth: Read, format: str = "pem") -> Response:
    name, data = store.download_entry(auth.ctx, entry_id, format=format)
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": attachment(name)})


@router.get("/certificates/{entry_id}/delete")
def delete_page(request: Request, entry_id: Id, auth: Delete) -> Response:
    d, _ = _view(auth, entry_id)
    return render(request, "confirm_delete.html", title="Delete", d=d)


@router.post("/certificates/{entry_id}/delete")
def delete(request: Request, entry_id: Id, auth: Delete) -> Response:
    r = store.delete_entry(auth.ctx, entry_id)
    return _done(request, "/certificates",
                 f"Deleted {r['common_name']} ({len(r['deleted'])} entries).")


@router.get("/nodes")
def nodes(request: Request, auth: Annotated[Auth, Depends(require("nodes:read"))]) -> Response:
    return render(request, "nodes.html", title="Nodes", nodes=cluster.list_nodes(auth.ctx),
                  form={}, errors={})


@router.post("/nodes")
def add_node(request: Request, auth: Annotated[Auth, Depends(require("nodes:create"))],
             name: Annotated[str, Form(max_length=64)],
             fqdn: Annotated[str, Form(max_length=253)],
             ip: Annotated[str, Form(max_length=45)] = "") -> Response:
    try:
        cluster.add_node(auth.ctx, name, fqdn=fqdn, ip=ip or None)
    except CertyardError as exc:
        return render(request, "nodes.html", status=http_status(exc), title="Nodes",
                      nodes=cluster.list_nodes(auth.ctx), errors=errors_of(exc),
                      form={"name": name, "fqdn": fqdn, "ip": ip})
    return _done(request, "/nodes", f"Added node {name} with self-signed certificates.")


@router.post("/nodes/{name}/remove")
def remove_node(request: Request, name: str,
                auth: Annotated[Auth, Depends(require("nodes:delete"))]) -> Response:
    cluster.remove_node(auth.ctx, name)
    return _done(request, "/nodes", f"Removed node {name}.")
