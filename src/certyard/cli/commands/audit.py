"""certyard audit ... — read, export and verify the audit trail."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from certyard.audit.errors import ChainBroken
from certyard.audit.query import AuditFilter, export_events, list_events, verify_chain
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, fmt_datetime, parse_date, table

NAME = "audit"
app = typer.Typer(help="The audit trail: list, export (CSV/JSON) and verify the hash chain.",
                  no_args_is_help=True)


def _filter(actor: str | None, action: str | None, target: str | None, outcome: str | None,
            since: str | None, until: str | None, limit: int) -> AuditFilter:
    return AuditFilter(actor=actor, action=action, target=target, outcome=outcome,
                       since=parse_date(since, option="--since"),
                       until=parse_date(until, option="--until"), limit=limit)


ACTOR = typer.Option(None, "--actor", help="Only this actor, e.g. admin or os:alice@host.")
ACTION = typer.Option(None, "--action", help="Action prefix, e.g. certificate.")
TARGET = typer.Option(None, "--target", help="Target contains this text.")
OUTCOME = typer.Option(None, "--outcome", help="success or failure.")
SINCE = typer.Option(None, "--since", help="From this date/time (ISO 8601).")
UNTIL = typer.Option(None, "--until", help="Up to this date/time (ISO 8601).")


@app.command("list")
def list_(actor: str = ACTOR, action: str = ACTION, target: str = TARGET,
          outcome: str = OUTCOME, since: str = SINCE, until: str = UNTIL,
          limit: int = typer.Option(100, "--limit", help="At most this many, newest first."),
          json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List audit records, newest first."""
    query = _filter(actor, action, target, outcome, since, until, limit)
    rows = list_events(cli_context(), query)
    if json_:
        emit_list(rows)
        return
    table("Audit trail", ["ID", "When", "Who", "From", "Action", "Object", "Outcome"],
          [(r.id, fmt_datetime(r.at), r.actor, r.source, r.action, r.target, r.outcome)
           for r in rows], empty="no audit records match")


@app.command("export")
def export(fmt: str = typer.Option("csv", "--format", help="csv or json."),
           output: str = typer.Option("-", "-o", "--output", help="File, or - for stdout."),
           actor: str = ACTOR, action: str = ACTION, target: str = TARGET,
           outcome: str = OUTCOME, since: str = SINCE, until: str = UNTIL,
           limit: int = typer.Option(10_000, "--limit", help="At most this many records.")
           ) -> None:
    """Export audit records (oldest first) as CSV or JSON."""
    query = _filter(actor, action, target, outcome, since, until, limit)
    text = export_events(cli_context(), query, fmt=fmt)
    if output == "-":
        sys.stdout.write(text)
        return
    from certyard.errors import InvalidFile
    from certyard.hostutil.files import atomic_write

    try:  # owner-only even when a world-readable file of that name exists
        atomic_write(Path(output), text.encode(), mode=0o600)
    except OSError as exc:
        raise InvalidFile(f"cannot write {output}: {exc.strerror or exc}") from None
    console.print(f"Wrote {output}.")


@app.command("verify")
def verify(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check the hash chain: exits 9 when a record was edited or removed."""
    report = verify_chain(cli_context())
    if json_:
        emit_json(report.to_dict())
    elif report.ok:
        console.print(f"Audit trail intact: {report.checked} records checked.")
        for k in report.keyed:
            console.print(f"Keyed chain since record {k['id']} ({k['at'][:19]}; "
                          f"{k['rekeyed_records']} older record(s) re-keyed).")
    else:
        for p in report.problems:
            console.print(f"[red]{p['message']}[/red]")
    if not report.ok:
        raise ChainBroken(f"audit trail tampered: {len(report.problems)} problem(s) in "
                          f"{report.checked} records", problems=len(report.problems),
                          checked=report.checked)
