"""Monitoring pages: Certificate Monitor (seed Table 3) with "Run expiry scan now", SMTP
settings with "Send test mail", Certificate Revocation (OCSP) with "Run checks now" and
the status per certificate, and the alarm log with clear and alert actions.

Mounted by ``certyard.web``. Each form calls
one ``certyard.monitor`` service function; typed errors come back inline next to the field
on the same page, with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from certyard import alarms, monitor
from certyard.errors import CertyardError, InvalidInput
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.http.params import Id
from certyard.web.flash import flash_redirect
from certyard.web.forms import refused
from certyard.web.render import render

router = APIRouter()
Read = Annotated[Auth, Depends(require("monitoring:read"))]
Edit = Annotated[Auth, Depends(require("monitoring:edit"))]
Exec = Annotated[Auth, Depends(require("monitoring:execute"))]

TABS = [("Certificate Monitor", "/monitoring"), ("SMTP", "/monitoring/smtp"),
        ("Revocation", "/monitoring/revocation"), ("Alarms", "/monitoring/alarms")]


def _redirect(request: Request, path: str, notice: str) -> Response:
    return flash_redirect(request, path, notice)


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v)[:2048] for k, v in (await request.form()).items()
            if k != "csrf_token" and isinstance(v, str)}


def _whole(form: dict[str, str], name: str, label: str) -> int:
    v = form.get(name, "").strip()
    if not v.isdigit():
        raise InvalidInput(f"{label} must be a whole number", field=name)
    return int(v)


def _checked(form: dict[str, str], name: str) -> bool:
    return form.get(name, "") in ("true", "on", "1")


def _page(request: Request, template: str, title: str, *, errors: dict[str, str] | None,
          status: int, **values: Any) -> Response:
    return render(request, template, status=status, title=title, tabs=TABS,
                  errors=errors or {}, **values)


def _submit(request: Request, auth: Auth, action: Callable[[], Any], *,
            page: Callable[..., Response],
            form: dict[str, str], done: str, notice: str) -> Response:
    try:
        action()
    except CertyardError as exc:
        return page(request, auth, **refused(exc), form=form)
    return _redirect(request, done, notice)


# Certificate Monitor -------------------------------------------------------------------

def _settings_page(request: Request, auth: Auth, *, errors: dict[str, str] | None = None,
                   status: int = 200, form: dict[str, str] | None = None,
                   report: Any = None) -> Response:
    cur = monitor.get_monitor_settings(auth.ctx)
    shown = {"notification_start_days": str(cur.notification_start_days),
             "notification_frequency": str(cur.notification_frequency),
             "notification_frequency_unit": cur.notification_frequency_unit,
             "email_enabled": "true" if cur.email_enabled else "",
             "email_ids": ", ".join(cur.email_ids)}
    if form is not None:
        shown = {**{k: "" for k in shown}, **form}
    smtp = monitor.get_smtp_settings(auth.ctx)
    from certyard.monitor.scrape_access import get_metrics_allowlist

    return _page(request, "monitor_settings.html", "Certificate Monitor", errors=errors,
                 status=status, form=shown, smtp_configured=smtp.configured, report=report,
                 metrics_allow=get_metrics_allowlist(auth.ctx))


@router.get("/monitoring")
def settings_page(request: Request, auth: Read) -> Response:
    return _settings_page(request, auth)


@router.post("/monitoring")
async def settings_save(request: Request, auth: Edit) -> Response:
    form = await _form(request)

    def act() -> None:
        monitor.update_monitor_settings(
            auth.ctx,
            notification_start_days=_whole(form, "notification_start_days",
                                           "Notification Start Time"),
            notification_frequency=_whole(form, "notification_frequency",
                                          "Notification Frequency"),
            notification_frequency_unit=form.get("notification_frequency_unit", ""),
            email_enabled=_checked(form, "email_enabled"),
            email_ids=form.get("email_ids", ""))

    return _submit(request, auth, act, page=_settings_page, form=form, done="/monitoring",
                   notice="Certificate Monitor settings saved.")


@router.post("/monitoring/metrics-allowlist")
async def metrics_allowlist_save(request: Request, auth: Edit) -> Response:
    """Addresses that may scrape /metrics without credentials (e.g. a Prometheus server)."""
    from certyard.monitor.scrape_access import set_metrics_allowlist

    form = await _form(request)
    nets = [n for n in form.get("networks", "").replace(",", " ").split() if n]
    try:
        set_metrics_allowlist(auth.ctx, nets)
    except CertyardError as exc:
        return _settings_page(request, auth, **refused(exc))
    return _redirect(request, "/monitoring", "Metrics allowlist saved.")


@router.post("/monitoring/scan")
def run_scan(request: Request, auth: Exec) -> Response:
    r = monitor.scan_expiry(auth.ctx)  # then back to the tab it was started from
    return _redirect(request, "/monitoring",
                     f"Expiry scan: {r.in_window} certificate(s) in the window, {r.expired} "
                     f"expired, {r.notices} new notice(s), {r.emails_queued} e-mail(s) queued.")


# SMTP ----------------------------------------------------------------------------------

def _smtp_page(request: Request, auth: Auth, *, errors: dict[str, str] | None = None,
               status: int = 200, form: dict[str, str] | None = None,
               tested: str = "") -> Response:
    cur = monitor.get_smtp_settings(auth.ctx)
    shown = {"host": cur.host, "port": str(cur.port), "security": cur.security,
             "username": cur.username, "sender": cur.sender,
             "timeout_seconds": str(cur.timeout_seconds)}
    if form is not None:
        shown = {**shown, **{k: v for k, v in form.items() if k != "password"}}
    return _page(request, "monitor_smtp.html", "SMTP", errors=errors, status=status,
                 form=shown, password_set=cur.to_dict()["password_set"], tested=tested,
                 outbox=monitor.list_outbox(auth.ctx, limit=20))


@router.get("/monitoring/smtp")
def smtp_page(request: Request, auth: Read) -> Response:
    return _smtp_page(request, auth)


@router.post("/monitoring/smtp")
async def smtp_save(request: Request, auth: Edit) -> Response:
    form = await _form(request)

    def act() -> None:
        password: str | None = None
        if _checked(form, "clear_password"):
            password = ""
        elif form.get("password"):
            password = form["password"]
        monitor.update_smtp_settings(
            auth.ctx, host=form.get("host", "").strip(), port=_whole(form, "port", "Port"),
            security=form.get("security", ""), username=form.get("username", "").strip(),
            password=password, sender=form.get("sender", "").strip(),
            timeout_seconds=_whole(form, "timeout_seconds", "Timeout"))

    return _submit(request, auth, act, page=_smtp_page, form=form, done="/monitoring/smtp",
                   notice="SMTP settings saved.")


@router.post("/monitoring/smtp/test")
async def smtp_test(request: Request, auth: Exec) -> Response:
    form = await _form(request)
    try:
        sent = monitor.send_test_mail(auth.ctx, to=form.get("to", ""))
    except CertyardError as exc:
        field = exc.field if exc.field == "to" else "test"
        return _smtp_page(request, auth, errors={field: exc.message},
                          status=http_status(exc))
    return _redirect(request, "/monitoring/smtp", f"Test mail sent to {', '.join(sent['to'])}.")


@router.post("/monitoring/outbox/deliver")
def outbox_deliver(request: Request, auth: Exec) -> Response:
    r = monitor.deliver_outbox(auth.ctx)
    return _redirect(request, "/monitoring/smtp", f"Outbox: sent {r.sent}, failed {r.failed}, "
                                         f"pending {r.pending}.")


# Revocation ----------------------------------------------------------------------------

def _revocation_page(request: Request, auth: Auth, *, errors: dict[str, str] | None = None,
                     status: int = 200, form: dict[str, str] | None = None,
                     report: Any = None) -> Response:
    cur = monitor.get_revocation_settings(auth.ctx)
    shown = {"ocsp_enabled": "true" if cur.ocsp_enabled else "",
             "ocsp_uri_source": cur.ocsp_uri_source,
             "ocsp_configured_uri": cur.ocsp_configured_uri,
             "revocation_check_enabled": "true" if cur.revocation_check_enabled else "",
             "check_every": str(cur.check_every), "check_every_unit": cur.check_every_unit,
             "timeout_seconds": str(cur.timeout_seconds),
             "crl_fallback": "true" if cur.crl_fallback else ""}
    if form is not None:
        shown = {**{k: "" for k in shown}, **form}
    from certyard import store

    statuses = monitor.list_revocation_statuses(auth.ctx)
    names = {}
    for v in statuses:
        if v.entry_id is not None:
            try:
                names[v.entry_id] = store.show_entry(auth.ctx, v.entry_id)["common_name"]
            except CertyardError:
                names[v.entry_id] = "(deleted)"
    return _page(request, "monitor_revocation.html", "Certificate Revocation", errors=errors,
                 status=status, form=shown, report=report,
                 statuses=statuses, names=names)


@router.get("/monitoring/revocation")
def revocation_page(request: Request, auth: Read) -> Response:
    return _revocation_page(request, auth)


@router.post("/monitoring/revocation")
async def revocation_save(request: Request, auth: Edit) -> Response:
    form = await _form(request)

    def act() -> None:
        monitor.update_revocation_settings(
            auth.ctx, ocsp_enabled=_checked(form, "ocsp_enabled"),
            ocsp_uri_source=form.get("ocsp_uri_source", ""),
            ocsp_configured_uri=form.get("ocsp_configured_uri", "").strip(),
            revocation_check_enabled=_checked(form, "revocation_check_enabled"),
            check_every=_whole(form, "check_every", "Check Every"),
            check_every_unit=form.get("check_every_unit", ""),
            timeout_seconds=_whole(form, "timeout_seconds", "Timeout"),
            crl_fallback=_checked(form, "crl_fallback"))

    return _submit(request, auth, act, page=_revocation_page, form=form,
                   done="/monitoring/revocation", notice="Revocation settings saved.")


@router.post("/monitoring/revocation/check")
def revocation_check(request: Request, auth: Exec) -> Response:
    report = monitor.run_revocation_checks(auth.ctx, force=True)
    return _revocation_page(request, auth, report=report)


# Alarms --------------------------------------------------------------------------------

def _alarms_page(request: Request, auth: Auth, *, errors: dict[str, str] | None = None,
                 status: int = 200, form: dict[str, str] | None = None) -> Response:
    q = request.query_params
    active = q.get("state") == "active"
    rows = alarms.list_alarms(auth.ctx, active_only=active, name=q.get("name") or None,
                               object_contains=(q.get("object") or "")[:300] or None,
                               limit=500)
    if q.get("severity"):
        rows = [a for a in rows if a.severity == q["severity"]]
    actions = alarms.get_alert_actions(auth.ctx)
    if form is None:  # the form starts as the Default action is stored, like the table
        default = actions.actions.get("Default")
        form = {"action": "Default",
                "recipients": ", ".join(default["recipients"]) if default else "",
                "enabled": "true" if default and default["enabled"] else ""}
    return _page(request, "monitor_alarms.html", "Alarms", errors=errors, status=status,
                 alarms=rows, q=dict(q), names=sorted(alarms.ALARM_NAMES),
                 severities=alarms.SEVERITIES, actions=actions, form=form)


@router.get("/monitoring/alarms")
def alarms_page(request: Request, auth: Read) -> Response:
    return _alarms_page(request, auth)


@router.post("/monitoring/alarms/{alarm_id}/clear")
def alarm_clear(request: Request, alarm_id: Id, auth: Edit) -> Response:
    try:
        a = alarms.clear_alarm_by_id(auth.ctx, alarm_id)
    except CertyardError as exc:
        return _alarms_page(request, auth, **refused(exc))
    return _redirect(request, "/monitoring/alarms", f"Alarm {a.name} on {a.object} cleared.")


@router.post("/monitoring/alert-actions")
async def alert_action_save(request: Request, auth: Edit) -> Response:
    form = await _form(request)

    def act() -> None:
        name = form.get("action", "").strip() or "Default"
        alarm = form.get("alarm", "").strip() or None
        if alarm and alarm not in alarms.ALARM_NAMES:
            raise InvalidInput(f"unknown alarm {alarm!r}", field="alarm")
        alarms.update_alert_actions(auth.ctx, action=name,
                                     recipients=[r for r in form.get("recipients", "")
                                                 .replace(";", ",").split(",") if r.strip()],
                                     enabled=_checked(form, "enabled"), alarm=alarm)

    return _submit(request, auth, act, page=_alarms_page, form=form, done="/monitoring/alarms",
                   notice="Alert action saved.")
