"""certyard token ..."""

from __future__ import annotations

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, table

NAME = "token"
app = typer.Typer(help="API tokens for scripts (stored hashed; shown once).",
                  no_args_is_help=True)


@app.command("create")
def create(user: str = typer.Argument(...), name: str = typer.Option(..., "--name"),
           json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    view, secret = accounts.create_token(cli_context(), user, name=name)
    if json_:
        emit_json({**view.to_dict(), "token": secret})
    else:
        console.print(f"Token {view.id} for {user}: {secret}")
        console.print("It is shown only now; store it safely.", style="dim")


@app.command("list")
def list_(user: str = typer.Option(None, "--user"),
          json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    rows = accounts.list_tokens(cli_context(), user=user)
    if json_:
        emit_json([r.to_dict() for r in rows])
        return
    table("API tokens", ["ID", "User", "Name", "Prefix", "Created", "Last used"],
          [(r.id, r.user, r.name, r.prefix, r.created_at.isoformat(),
            r.last_used_at.isoformat() if r.last_used_at else "never") for r in rows],
          empty="no API tokens")


@app.command("revoke")
def revoke(token_id: int = typer.Argument(..., metavar="ID")) -> None:
    accounts.revoke_token(cli_context(), token_id)
    console.print(f"Revoked token {token_id}.")
