"""Certificate Authority: overview, pending requests with a detail page (approve with a
profile and validity, or deny), issued/revoked/denied lists, a page per issued certificate
(status, chain, PEM, full-chain download, revoke/hold/release) and the CA downloads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from certyard import ca, monitor
from certyard.errors import CertyardError, InvalidInput, NotFound
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.http.params import Id
from certyard.web.flash import flash_redirect
from certyard.web.pages_auth import errors_of
from certyard.web.render import render

router = APIRouter()
Read = Annotated[Auth, Depends(require("ca:read"))]
Execute = Annotated[Auth, Depends(require("ca:execute"))]
Delete = Annotated[Auth, Depends(require("ca:delete"))]
TABS = ("overview", "pending", "issued", "revoked", "denied", "downloads")
# Revocation reasons offered by the Revoke button; certificateHold has its own button
# (it is the one reversible state).
FINAL_REASONS = [r for r in ca.REASONS if r != "certificateHold"]


@router.get("/ca")
def ca_page(request: Request, auth: Read, tab: str = "pending") -> Response:
    tab = tab if tab in TABS else "pending"
    values: dict[str, Any] = {"requests": [], "issued": [], "overview": None,
                              "downloads": [], "subject": "", "keys": []}
    message = ""
    try:
        values["keys"] = ca.describe_ca_keys(auth.ctx)  # where each CA key lives
        if tab in ("pending", "denied"):
            values["requests"] = ca.list_requests(auth.ctx, state=tab)
        elif tab == "issued":
            values["issued"] = ca.list_issued(auth.ctx)
        elif tab == "revoked":
            values["issued"] = ca.list_issued(auth.ctx, status="revoked") + \
                ca.list_issued(auth.ctx, status="hold")
        elif tab == "overview":
            values["overview"] = ca.ca_overview(auth.ctx)
        else:
            values["subject"], values["downloads"], _ = ca.distribution(auth.ctx)
    except CertyardError as exc:
        message = exc.message
    return render(request, "ca.html", title="Certificate Authority", tab=tab, error=message,
                  **values)


@router.get("/ca/")
def ca_public_page(auth: Read) -> Response:
    """``/ca/`` is the public downloads page on the plain-HTTP listener; on HTTPS it is the
    same content in the admin layout (it used to fall back to the pending requests)."""
    return RedirectResponse("/ca?tab=downloads", status_code=303)


@router.get("/ca/download/{name}")
def ca_download(name: str, auth: Read) -> Response:
    """The public CA files over HTTPS too (the plain-HTTP listener serves the same)."""
    from certyard.errors import NotInitialised

    try:
        _subject, downloads, bodies = ca.distribution(auth.ctx)
    except NotInitialised:
        raise NotFound("CA download", f"{name[:40]} (no CA yet)") from None
    d = next((x for x in downloads if x.path == f"ca/{name}"), None)
    if d is None:
        raise NotFound("CA download", name[:40])
    return Response(bodies[d.path], media_type=d.media_type,
                    headers={"Content-Disposition": f'attachment; filename="ca-{name}"'})


def _request_page(request: Request, auth: Auth, request_id: int, *,
                  errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    r = ca.show_request(auth.ctx, request_id)
    pending = r.state == "pending"
    served = monitor.served_change_for_request(auth.ctx, r.purpose, r.node) if pending else ""
    profiles, no_profile = ca.usable_profiles(auth.ctx, request_id, caller="remote") \
        if pending else ([], "")
    chosen = profiles[0] if profiles else None
    shown = {"profile": chosen.name if chosen else "",
             "days": str(chosen.default_days) if chosen else ""}
    shown.update(form or {})
    return render(request, "ca_request.html", status=status, title=f"Request {r.id}", r=r,
                  served_change=served, profiles=profiles, no_profile=no_profile,
                  form=shown, errors=errors or {})


@router.get("/ca/requests/{request_id}")
def request_detail(request: Request, request_id: Id, auth: Read) -> Response:
    return _request_page(request, auth, request_id)


@router.post("/ca/requests/{request_id}")
def request_action(request: Request, request_id: Id, auth: Execute,
                   action: Annotated[str, Form(max_length=8)] = "",
                   profile: Annotated[str, Form(max_length=32)] = "",
                   days: Annotated[str, Form(max_length=6)] = "",
                   reason: Annotated[str, Form(max_length=500)] = "",
                   accept_served_change: Annotated[str, Form(max_length=8)] = "") -> Response:
    """The request page's forms post to the page itself, so a refused issue or deny is
    shown on /ca/requests/N with what was typed."""
    if action == "deny":
        return deny(request, request_id, auth, reason)
    if action != "issue":
        return _request_page(request, auth, request_id, status=422,
                             errors={"_": "choose Issue certificate or Deny request"})
    return issue(request, request_id, auth, profile, days, accept_served_change)


@router.post("/ca/requests/{request_id}/issue")  # the form of earlier releases (scripts)
def issue(request: Request, request_id: Id, auth: Execute,
          profile: Annotated[str, Form(max_length=32)] = "",
          days: Annotated[str, Form(max_length=6)] = "",
          accept_served_change: Annotated[str, Form(max_length=8)] = "") -> Response:
    form = {"profile": profile, "days": days, "accept_served_change": accept_served_change}
    try:
        r = ca.show_request(auth.ctx, request_id)
        served = monitor.served_change_for_request(auth.ctx, r.purpose, r.node)
        if served and not accept_served_change:
            raise InvalidInput("confirm that this server's own HTTPS certificate will change "
                               "(tick the box), or deny the request",
                               field="accept_served_change")
        try:
            n_days = int(days) if days.strip() else None
        except ValueError:
            raise InvalidInput(f"Validity must be a whole number of days, not "
                               f"\"{days[:6]}\"", field="days") from None
        usable = [p.name for p in ca.usable_profiles(auth.ctx, request_id,
                                                     caller="remote")[0]]
        if profile and profile not in usable and r.state == "pending":
            raise InvalidInput(f"the {profile[:32]} profile cannot be used for this request; "
                               f"choose one of: {', '.join(usable) or 'none'}",
                               field="profile")
        done = ca.issue_request(auth.ctx, request_id, profile=profile or None, days=n_days,
                                caller="remote")
    except CertyardError as exc:
        errors = errors_of(exc)
        if exc.field not in (None, "profile", "days", "accept_served_change"):
            errors = {"_": exc.message}
        return _request_page(request, auth, request_id, errors=errors, form=form,
                             status=http_status(exc))
    msg = f"Issued request {request_id}: serial {done.serial}."
    if done.installed_on:
        msg += f" Installed on {', '.join(done.installed_on)}."
    if served:
        now = [c for c in monitor.served_certificates(auth.ctx) if c.serial == done.serial]
        if now:
            msg += (f" This server's HTTPS listener now serves {now[0].subject} "
                    f"({now[0].purpose}); reload the page if your browser asks.")
    return flash_redirect(request, f"/ca/certificates/{done.serial}", msg)


@router.post("/ca/requests/{request_id}/deny")  # the form of earlier releases (scripts)
def deny(request: Request, request_id: Id, auth: Execute,
         reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    try:
        ca.deny_request(auth.ctx, request_id, reason=reason)
    except CertyardError as exc:
        return _request_page(request, auth, request_id, errors={"reason": exc.message},
                             form={"reason": reason}, status=http_status(exc))
    return flash_redirect(request, "/ca?tab=pending", f"Denied request {request_id}.")


@router.post("/ca/sign-csr")
def sign_csr(request: Request, auth: Execute, purpose: Annotated[str, Form(max_length=64)],
             node: Annotated[str, Form(max_length=253)] = "") -> Response:
    try:
        r = ca.sign_pending(auth.ctx, purpose, node=node or None)
    except CertyardError as exc:
        return flash_redirect(request, "/certificates/download-csr", exc.message)
    return flash_redirect(request, f"/ca/requests/{r.id}",
                          f"Sent the {purpose} CSR to the built-in CA as request {r.id}. "
                          "Check it and issue it below.")


def _certificate_page(request: Request, auth: Auth, serial: str, *, status: int = 200,
                      errors: dict[str, str] | None = None) -> Response:
    view, chain, pem = ca.issued_with_chain(auth.ctx, serial)
    served = [c for c in monitor.served_certificates(auth.ctx) if c.serial == view.serial]
    return render(request, "ca_certificate.html", status=status, title=f"Serial {view.serial}",
                  c=view, chain=chain, full_pem=pem, reasons=FINAL_REASONS,
                  served=served, errors=errors or {})


@router.get("/ca/certificates/{serial}")
def certificate(request: Request, serial: str, auth: Read) -> Response:
    return _certificate_page(request, auth, serial)


@router.get("/ca/certificates/{serial}/chain.pem")
def full_chain(serial: str, auth: Read) -> Response:
    view, _chain, pem = ca.issued_with_chain(auth.ctx, serial)
    return Response(pem, media_type="application/pem-certificate-chain",
                    headers={"Content-Disposition":
                             f'attachment; filename="{view.serial}-fullchain.pem"'})


def _after_revocation_change(request: Request, auth: Auth, serial: str, msg: str) -> Response:
    served = [c for c in monitor.check_served_certificates(auth.ctx) if c.serial == serial]
    if served and served[0].problem:
        msg += (f" Warning: this server's HTTPS listener serves this certificate "
                f"({served[0].purpose}); it is now {served[0].problem} and an alarm is raised. "
                f"Install a valid {served[0].purpose} certificate.")
    return flash_redirect(request, f"/ca/certificates/{serial}", msg)


@router.post("/ca/certificates/{serial}/revoke")
def revoke(request: Request, serial: str, auth: Delete,
           reason: Annotated[str, Form(max_length=40)] = "unspecified") -> Response:
    try:
        r = ca.revoke_certificate(auth.ctx, serial, reason=reason)
    except CertyardError as exc:
        return _certificate_page(request, auth, serial, status=http_status(exc),
                                 errors={"_": exc.message})
    verb = "Put on hold" if r.status == "hold" else "Revoked"
    return _after_revocation_change(request, auth, r.serial,
                                    f"{verb} {r.serial} ({r.reason}); CRL number "
                                    f"{r.crl_number}.")


@router.post("/ca/certificates/{serial}/release")
def release(request: Request, serial: str, auth: Delete) -> Response:
    try:
        r = ca.release_hold(auth.ctx, serial)
    except CertyardError as exc:
        return _certificate_page(request, auth, serial, status=http_status(exc),
                                 errors={"_": exc.message})
    return _after_revocation_change(request, auth, r.serial,
                                    f"Released {r.serial} from hold; it is good again.")


@router.post("/ca/issued/{serial}/revoke")  # the form of earlier releases (lists, scripts)
def revoke_from_list(request: Request, serial: str, auth: Delete,
                     reason: Annotated[str, Form(max_length=40)] = "unspecified") -> Response:
    return revoke(request, serial, auth, reason)
