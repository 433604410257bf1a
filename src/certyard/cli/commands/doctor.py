"""certyard doctor"""

from __future__ import annotations

import datetime as dt

import typer

from certyard.cli.output import console, emit_json

_MARK = {"ok": "[green]ok[/green]     ", "warning": "[yellow]warning[/yellow]",
         "error": "[red]error[/red]  "}


def register(root: typer.Typer) -> None:
    @root.command("doctor")
    def doctor(
        listener: list[str] = typer.Option(
            ["localhost:8443"], "--listener",
            help="HOST:PORT of a TLS listener to check against the policy, repeatable."),
        agent_stale_minutes: int = typer.Option(
            5, "--agent-stale-minutes", min=1,
            help="An agent silent this long is an error (agents sync every minute)."),
        expiry_warning_days: int = typer.Option(
            30, "--expiry-warning-days", min=1, max=3650,
            help="Warn about certificates that expire within this many days."),
        no_urls: bool = typer.Option(False, "--no-urls",
                                     help="Skip fetching URLs embedded in certificates."),
        json_: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Check the installation: file modes, database and schema, CA, the UI certificate,
        embedded URLs, TLS policy on listeners, jobs, outbox, agents. Each finding names its
        fix. Exit status 1 when any check finds an error."""
        from certyard.config import Settings
        from certyard.errors import CertyardError
        from certyard.ops.doctor import DoctorOptions, run_doctor

        opts = DoctorOptions(listeners=tuple(listener), expiry_warning_days=expiry_warning_days,
                             agent_stale_after=dt.timedelta(minutes=agent_stale_minutes),
                             check_urls=not no_urls)
        from certyard.context import check_initialised

        settings = Settings.from_env()
        try:
            check_initialised(settings)  # a diagnosis never creates the database file
        except CertyardError as exc:
            if getattr(exc, "reason", None) != "bad_database_url":
                raise
            # a URL certyard cannot use is the database finding, with its fix
        report = run_doctor(settings, opts)
        if json_:
            emit_json(report.to_dict())
        else:
            for f in report.findings:
                console.print(f"{_MARK[f.severity]} {f.check}: ", end="")
                console.print(f.message, markup=False)
                if f.fix and f.severity != "ok":
                    console.print(f"           fix: {f.fix}", markup=False)
            d = report.to_dict()
            console.print(f"{d['errors']} error(s), {d['warnings']} warning(s)")
        if not report.ok:
            raise typer.Exit(1)
