"""certyard monitor ..."""

from __future__ import annotations

import sys

import typer

from certyard import jobs, monitor
from certyard.cli.context import cli_context
from certyard.cli.output import (
    console,
    emit_json,
    emit_list,
    fmt_datetime,
    show_fields,
    table,
    warn,
)
from certyard.cli.ui import working

NAME = "monitor"
app = typer.Typer(help="Certificate Monitor (expiry notices), revocation checks, outbox, "
                       "metrics and jobs.", no_args_is_help=True)
rev = typer.Typer(help="Certificate revocation (OCSP, CRL fallback).", no_args_is_help=True)
app.add_typer(rev, name="revocation")


_LABELS = {
    "notification_start_days": "Notification start (days before expiry)",
    "notification_frequency": "Notification frequency",
    "notification_frequency_unit": "Frequency unit",
    "email_enabled": "E-mail notification",
    "email_ids": "E-mail recipients",
    "ocsp_enabled": "OCSP",
    "ocsp_uri_source": "OCSP URI from",
    "ocsp_configured_uri": "Configured OCSP URI",
    "revocation_check_enabled": "Revocation check",
    "check_every": "Check every",
    "check_every_unit": "Check unit",
    "timeout_seconds": "Timeout (seconds)",
    "crl_fallback": "CRL fallback",
}


def _print(d: dict[str, object]) -> None:
    show_fields(d, labels=_LABELS)


@app.command("show")
def show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the Certificate Monitor settings."""
    d = monitor.get_monitor_settings(cli_context()).to_dict()
    emit_json(d) if json_ else _print(d)


@app.command("set")
def set_(
    start_days: int = typer.Option(None, "--start-days",
                                   help="Notification Start Time: days before expiry."),
    frequency: int = typer.Option(None, "--frequency", help="Notification Frequency: N."),
    unit: str = typer.Option(None, "--unit", help="Frequency unit: hours or days."),
    email: bool = typer.Option(None, "--email/--no-email",
                               help="Enable E-mail Notification."),
    email_ids: str = typer.Option(None, "--email-ids", help="Comma-separated Email IDs."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Change Certificate Monitor settings; options not given keep their value."""
    s = monitor.update_monitor_settings(
        cli_context(), notification_start_days=start_days, notification_frequency=frequency,
        notification_frequency_unit=unit, email_enabled=email, email_ids=email_ids)
    _saved(s.to_dict(), "Certificate Monitor settings saved.", json_)


def _saved(data: dict, message: str, json_: bool) -> None:  # type: ignore[type-arg]
    warnings = monitor.settings_warnings(cli_context())
    if json_:
        emit_json({**data, "warnings": warnings})
        return
    console.print(message)
    for w in warnings:
        warn(w)


@app.command("scan")
def scan(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Run the expiry scan now (notices are still sent once per period)."""
    with working("Scanning certificates for expiry"):
        r = monitor.scan_expiry(cli_context())
    emit_json(r.to_dict()) if json_ else console.print(
        f"{r.in_window} certificate(s) in the window, {r.expired} expired, {r.notices} new "
        f"notice(s), {r.emails_queued} e-mail(s) queued.")


@app.command("deliver")
def deliver(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Try to send the due messages of the e-mail outbox now."""
    r = monitor.deliver_outbox(cli_context())
    emit_json(r.to_dict()) if json_ else console.print(
        f"sent {r.sent}, failed {r.failed}, pending {r.pending}")


@app.command("outbox")
def outbox(
    status: str = typer.Option(None, "--status", help="pending or sent."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List e-mail outbox messages (newest first)."""
    rows = monitor.list_outbox(cli_context(), status=status)
    if json_:
        emit_list(rows)
        return
    table("Outbox", ["ID", "Kind", "To", "Subject", "Status", "Attempts", "Next attempt",
                     "Last error"],
          [(m.id, m.kind, ", ".join(m.recipients), m.subject, m.status, m.attempts,
            fmt_datetime(m.next_attempt_at), m.last_error) for m in rows],
          empty="the outbox is empty")


@app.command("metrics")
def metrics() -> None:
    """Print the Prometheus metrics text (what /metrics serves)."""
    sys.stdout.write(monitor.render_metrics(cli_context()))


@app.command("jobs")
def jobs_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Background jobs: lease holder, next run, last run and error."""
    rows = jobs.lease_state(cli_context())
    if json_:
        emit_list(rows)
        return
    table("Jobs", ["Job", "Holder", "Next run", "Last finished", "Last error"],
          [(r["name"], r["holder"] or "-", r["next_run_at"], r["last_finished_at"] or "-",
            r["last_error"]) for r in rows], empty="no job has run yet")


@app.command("run-job")
def run_job(name: str = typer.Argument(..., help="Job name, see 'certyard monitor jobs'."),
            json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Run one registered background job now, in this process."""
    from certyard.errors import NotFound
    from certyard.ops.jobs import all_jobs

    if jobs.find_job(all_jobs(), name) is None:
        raise NotFound("job", name)
    r = jobs.run_job_once(cli_context(), all_jobs(), name)
    d = r.to_dict() if hasattr(r, "to_dict") else {"result": str(r)}
    emit_json(d) if json_ else _print(d)


@rev.command("show")
def rev_show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the revocation settings."""
    d = monitor.get_revocation_settings(cli_context()).to_dict()
    emit_json(d) if json_ else _print(d)


@rev.command("set")
def rev_set(
    ocsp: bool = typer.Option(None, "--ocsp/--no-ocsp", help="Enable OCSP."),
    uri_source: str = typer.Option(None, "--uri-source",
                                   help="certificate (OCSP URI from certificate) or "
                                        "configured (configured OCSP URI)."),
    uri: str = typer.Option(None, "--uri", help="OCSP Configured URI."),
    check: bool = typer.Option(None, "--check/--no-check", help="Enable Revocation Check."),
    every: int = typer.Option(None, "--every", help="Check Every: N."),
    unit: str = typer.Option(None, "--unit", help="hours or days."),
    timeout: int = typer.Option(None, "--timeout", help="Seconds per responder (1-120)."),
    crl_fallback: bool = typer.Option(None, "--crl-fallback/--no-crl-fallback",
                                      help="Use the CRL distribution point when OCSP "
                                           "is not available."),
    allow_destination: list[str] = typer.Option(
        None, "--allow-destination", help="Host, .domain or CIDR network that OCSP/CRL URLs "
        "from certificates may reach besides public addresses (repeat; 'none' clears)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Change revocation settings. Upload the OCSP responder certificate to tomcat-trust
    before enabling OCSP."""
    s = monitor.update_revocation_settings(
        cli_context(), ocsp_enabled=ocsp, ocsp_uri_source=uri_source, ocsp_configured_uri=uri,
        revocation_check_enabled=check, check_every=every, check_every_unit=unit,
        timeout_seconds=timeout, crl_fallback=crl_fallback,
        allowed_destinations=None if not allow_destination else
        (() if list(allow_destination) == ["none"] else tuple(allow_destination)))
    _saved(s.to_dict(), "Revocation settings saved.", json_)


@rev.command("check")
def rev_check(
    force: bool = typer.Option(False, "--force", help="Check every certificate now."),
    entry: list[int] = typer.Option(None, "--entry", help="Only this store entry ID."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Run revocation checks now (what is due, or everything with --force)."""
    with working("Checking revocation"):
        r = monitor.run_revocation_checks(cli_context(), force=force or bool(entry),
                                          entry_ids=list(entry) if entry else None)
    emit_json(r.to_dict()) if json_ else console.print(
        r.skipped or f"checked {r.checked}: good {r.good}, revoked {r.revoked}, "
                     f"unknown {r.unknown}, error {r.error}")


@rev.command("status")
def rev_status(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Revocation status of each checked certificate, with the time of the check."""
    rows = monitor.list_revocation_statuses(cli_context())
    if json_:
        emit_list(rows)
        return
    table("Revocation status", ["Entry", "Status", "Source", "Checked", "Revoked at", "Detail"],
          [(r.entry_id or r.cert_key, r.status.upper(), r.source,
            fmt_datetime(r.checked_at), fmt_datetime(r.revoked_at), r.detail)
           for r in rows], empty="no certificate checked yet")
