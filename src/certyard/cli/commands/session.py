"""certyard session ...: active web sessions."""

from __future__ import annotations

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_list, fmt_datetime, table
from certyard.cli.ui import confirm

NAME = "session"
app = typer.Typer(help="Active web sessions: list, terminate all of a user's.",
                  no_args_is_help=True)


@app.command("list")
def list_(user: str = typer.Option(None, "--user", help="Only this user's sessions."),
          json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List active web sessions."""
    rows = accounts.list_sessions(cli_context(), user=user)
    if json_:
        emit_list(rows)
        return
    table("Active sessions", ["ID", "User", "From", "Started", "Last seen"],
          [(r.id, r.user, r.source, fmt_datetime(r.created_at), fmt_datetime(r.last_seen_at))
           for r in rows], empty="no active sessions")


@app.command("terminate")
def terminate(user: str = typer.Argument(..., metavar="USER", help="User name."),
              yes: bool = typer.Option(False, "--yes", "-y")) -> None:
    """End every active session of USER; effective on their next request."""
    confirm(f"Sign {user} out of every session?", yes=yes)
    n = accounts.terminate_user_sessions(cli_context(), user)
    console.print(f"Terminated {n} session{'s' if n != 1 else ''} of {user}.")
