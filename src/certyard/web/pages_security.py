"""Security pages: the audit trail (filters, CSV/JSON export, chain check) with remote
syslog settings, and Bulk Certificate Management (SFTP settings with "fetch host key",
export, the list of exports, import preview and import). IPsec is in pages_ipsec.

Each form calls one service function; typed errors come back inline on the same page with
what was typed (secrets excepted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import PlainTextResponse, Response

from certyard import bulk, syslog
from certyard.audit import query as audit_query
from certyard.errors import CertyardError, InvalidInput
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.web.flash import flash_redirect
from certyard.web.forms import errors_of, refused
from certyard.web.render import render

router = APIRouter()
AuditRead = Annotated[Auth, Depends(require("audit:read"))]
AuditEdit = Annotated[Auth, Depends(require("audit:edit"))]
CertRead = Annotated[Auth, Depends(require("certificates:read"))]
CertCreate = Annotated[Auth, Depends(require("certificates:create"))]
CertExec = Annotated[Auth, Depends(require("certificates:execute"))]
SettingsEdit = Annotated[Auth, Depends(require("settings:edit"))]
F = Form(max_length=300)


def _redirect(request: Request, path: str, notice: str) -> Response:
    return flash_redirect(request, path, notice)


def _parse_time(text: str, field: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        v = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None
    return v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)


def _audit_filter(request: Request) -> audit_query.AuditFilter:
    q = request.query_params
    outcome = q.get("outcome") or None
    return audit_query.AuditFilter(
        actor=q.get("actor") or None, action=q.get("action") or None,
        target=q.get("target") or None, outcome=outcome,
        since=_parse_time(q.get("since", ""), "since"),
        until=_parse_time(q.get("until", ""), "until"), limit=200)


def _audit_page(request: Request, auth: Auth, *, errors: dict[str, str] | None = None,
                status: int = 200, **extra: Any) -> Response:
    data: dict[str, Any] = {"errors": dict(errors or {}), "records": [],
                            "q": dict(request.query_params)}
    try:
        data["records"] = audit_query.list_events(auth.ctx, _audit_filter(request))
    except CertyardError as exc:
        data["errors"].update(errors_of(exc))
        status = http_status(exc)
    data["syslog"] = syslog.syslog_status(auth.ctx)
    data["syslog_form"] = None
    data.update(extra)
    return render(request, "security_audit.html", status=status, title="Audit", **data)


@router.get("/audit")
def audit_page(request: Request, auth: AuditRead) -> Response:
    return _audit_page(request, auth)


@router.get("/audit/export")
def audit_export(request: Request, auth: AuditRead) -> Response:
    fmt = request.query_params.get("format", "csv")
    try:
        text = audit_query.export_events(auth.ctx, _audit_filter(request), fmt=fmt)
    except CertyardError as exc:
        return _audit_page(request, auth, **refused(exc))
    return PlainTextResponse(text, media_type="text/csv" if fmt == "csv" else "application/json",
                             headers={"Content-Disposition":
                                      f'attachment; filename="audit.{fmt}"'})


@router.post("/audit/verify")
def audit_verify(request: Request, auth: AuditRead) -> Response:
    return _audit_page(request, auth, report=audit_query.verify_chain(auth.ctx))


@router.post("/audit/syslog")
def audit_syslog(request: Request, auth: AuditEdit, host: Annotated[str, F] = "",
                 port: Annotated[str, Form(max_length=5)] = "",
                 protocol: Annotated[str, Form(max_length=3)] = "udp",
                 tls: Annotated[bool, Form()] = False,
                 enabled: Annotated[bool, Form()] = False) -> Response:
    try:
        if port and not port.isdigit():
            raise InvalidInput("port must be a number", field="port")
        syslog.configure_syslog(auth.ctx, host=host, port=int(port or 0), protocol=protocol,
                                tls=tls, enabled=enabled)
    except CertyardError as exc:
        typed = {"host": host, "port": port, "protocol": protocol, "tls": tls,
                 "enabled": enabled, "effective_port": ""}
        return _audit_page(request, auth, **refused(exc),
                           syslog_form=typed)
    return _redirect(request, "/audit", "Remote syslog saved.")


def _bulk_page(request: Request, auth: Auth, *, errors: dict[str, str] | None = None,
               status: int = 200, **extra: Any) -> Response:
    try:
        sftp: dict[str, Any] | None = bulk.show_sftp(auth.ctx).to_dict()
    except CertyardError:
        sftp = None
    shown = {"host": "", "port": "22", "user_id": "", "directory": "",
             "host_key_fingerprint": "", "known_hosts": ""}
    if sftp:
        shown.update({k: str(sftp.get(k) or "") for k in shown if k != "known_hosts"})
    shown.update(extra.pop("form", None) or {})  # what was typed wins over what is stored
    return render(request, "security_bulk.html", status=status,
                  title="Bulk Certificate Management", sftp=sftp, errors=errors or {},
                  form=shown, **extra)


@router.get("/bulk")
def bulk_page(request: Request, auth: CertRead) -> Response:
    return _bulk_page(request, auth)


def _bulk_do(request: Request, auth: Auth, fn: Callable[[], Any], ok: str | None,
             form: dict[str, str] | None = None) -> Response:
    try:
        result = fn()
    except CertyardError as exc:
        if isinstance(exc, bulk.SftpNotConfigured):
            exc.message = "Set up the SFTP server above first."
        return _bulk_page(request, auth, **refused(exc),
                          form=form)
    if ok is None:
        return _bulk_page(request, auth, result=result)
    return _redirect(request, "/bulk", ok)


@router.post("/bulk/sftp")
def bulk_sftp(request: Request, auth: SettingsEdit, host: Annotated[str, F],
              user_id: Annotated[str, Form(max_length=128)],
              directory: Annotated[str, Form(max_length=1024)],
              port: Annotated[str, Form(max_length=5)] = "22",
              password: Annotated[str, Form(max_length=1024)] = "",
              host_key_fingerprint: Annotated[str, Form(max_length=128)] = "",
              known_hosts: Annotated[str, Form(max_length=65536)] = "") -> Response:
    def save() -> object:
        if not port.isdigit():
            raise InvalidInput("port must be a number", field="port")
        return bulk.configure_sftp(auth.ctx, host=host, port=int(port), user_id=user_id,
                                   directory=directory, password=password or None,
                                   host_key_fingerprint=host_key_fingerprint or None,
                                   known_hosts=known_hosts or None)
    typed = {"host": host, "port": port, "user_id": user_id, "directory": directory,
             "host_key_fingerprint": host_key_fingerprint, "known_hosts": known_hosts}
    return _bulk_do(request, auth, save, "SFTP server saved.", typed)


@router.post("/bulk/sftp/host-key")
def bulk_host_key(request: Request, auth: SettingsEdit, host: Annotated[str, F],
                  port: Annotated[str, Form(max_length=5)] = "22",
                  user_id: Annotated[str, Form(max_length=128)] = "",
                  directory: Annotated[str, Form(max_length=1024)] = "") -> Response:
    """Fetch the fingerprint the server presents and put it in the form (nothing is saved:
    the administrator compares it with the one the server's owner reports, then saves)."""
    typed = {"host": host, "port": port, "user_id": user_id, "directory": directory}
    try:
        if not port.isdigit():
            raise InvalidInput("port must be a number", field="port")
        fingerprint = bulk.scan_host_key(host, int(port))
    except CertyardError as exc:
        if exc.field is None:
            exc.field = "host_key_fingerprint"
        return _bulk_page(request, auth, **refused(exc),
                          form=typed)
    return _bulk_page(request, auth, form={**typed, "host_key_fingerprint": fingerprint},
                      fetched=fingerprint)


@router.post("/bulk/exports")
def bulk_list_exports(request: Request, auth: CertRead) -> Response:
    """The exports on the SFTP server (a network call, so a button, not on every view)."""
    return _bulk_do(request, auth, lambda: {"exports": bulk.list_exports(auth.ctx)}, None)


@router.post("/bulk/export")
def bulk_export(request: Request, auth: CertExec,
                scope: Annotated[str, Form(max_length=10)]) -> Response:
    return _bulk_do(request, auth, lambda: {"exported": bulk.export_certificates(
        auth.ctx, scope).to_dict()}, None)


@router.post("/bulk/preview")
def bulk_preview(request: Request, auth: CertRead, name: Annotated[str, F]) -> Response:
    return _bulk_do(request, auth, lambda: {"preview": bulk.preview_import(auth.ctx, name)},
                    None)


@router.post("/bulk/import")
def bulk_import(request: Request, auth: CertCreate, name: Annotated[str, F],
                trust_stores: Annotated[list[str], Form()]) -> Response:
    return _bulk_do(request, auth, lambda: {"imported": bulk.import_trust_certificates(
        auth.ctx, name, trust_stores)}, None)
