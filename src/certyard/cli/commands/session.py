"""certyard session ... (seed: Session Management)"""

from __future__ import annotations

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, table

NAME = "session"
app = typer.Typer(help="Active web sessions: list, terminate all of a user's.",
                  no_args_is_help=True)


@app.command("list")
def list_(user: str = typer.Option(None, "--user"),
          json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    rows = accounts.list_sessions(cli_context(), user=user)
    if json_:
        emit_json([r.to_dict() for r in rows])
        return
    table("Active sessions", ["ID", "User", "From", "Started", "Last seen"],
          [(r.id, r.user, r.source, r.created_at.isoformat(), r.last_seen_at.isoformat())
           for r in rows], empty="no active sessions")


@app.command("terminate")
def terminate(user: str = typer.Argument(..., metavar="USER")) -> None:
    """End every active session of USER; effective on their next request."""
    n = accounts.terminate_user_sessions(cli_context(), user)
    console.print(f"Terminated {n} session{'s' if n != 1 else ''} of {user}.")
