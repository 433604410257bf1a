"""certyard token ..."""

from __future__ import annotations

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, fmt_datetime, table
from certyard.cli.ui import confirm

NAME = "token"
app = typer.Typer(help="API tokens for scripts (stored hashed; shown once).",
                  no_args_is_help=True)


@app.command("create")
def create(user: str = typer.Argument(..., help="User the token acts as."),
           name: str = typer.Option(..., "--name", help="A name to recognise it by."),
           days: int = typer.Option(None, "--days", help="Lifetime in days (default and "
                                    "maximum: the api_token_days / api_token_max_days "
                                    "authentication rules)."),
           json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Create an API token for a user; the secret is shown once."""
    view, secret = accounts.create_token(cli_context(), user, name=name, days=days)
    if json_:
        emit_json({**view.to_dict(), "token": secret})
    else:
        console.print(f"Token {view.id} for {user} (expires {view.expires_at.isoformat()}): "
                      f"{secret}")
        console.print("It is shown only now; store it safely.", style="dim")


@app.command("list")
def list_(user: str = typer.Option(None, "--user", help="Only this user's tokens."),
          json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List API tokens (never their secrets)."""
    rows = accounts.list_tokens(cli_context(), user=user)
    if json_:
        emit_list(rows)
        return
    table("API tokens", ["ID", "User", "Name", "Prefix", "Created", "Last used", "Expires"],
          [(r.id, r.user, r.name, r.prefix, fmt_datetime(r.created_at),
            fmt_datetime(r.last_used_at) if r.last_used_at else "never",
            fmt_datetime(r.expires_at)) for r in rows],
          empty="no API tokens")


@app.command("revoke")
def revoke(token_id: int = typer.Argument(..., metavar="ID", help="Token ID (see token list)."),
           yes: bool = typer.Option(False, "--yes", "-y")) -> None:
    """Revoke an API token; scripts using it stop working within a second."""
    confirm(f"Revoke API token {token_id}?", yes=yes)
    accounts.revoke_token(cli_context(), token_id)
    console.print(f"Revoked token {token_id}.")
