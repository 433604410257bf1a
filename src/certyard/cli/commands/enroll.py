"""certyard node enroll-token NODE: a one-time agent enrollment token."""

from __future__ import annotations

import typer

from certyard.cli.commands.cluster import app as node_app
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json


@node_app.command("enroll-token")
def enroll_token(
    node: str = typer.Argument(..., help="Node name or FQDN."),
    minutes: int = typer.Option(60, "--minutes", help="Validity in minutes (1-10080)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Make a one-time, expiring enrollment token for NODE's agent (shown once)."""
    from certyard.cluster.agents import create_enroll_token

    tok = create_enroll_token(cli_context(), node, minutes=minutes)
    if json_:
        emit_json(tok.to_dict())
    else:
        console.print(f"Token for {tok.node} (one use, expires {tok.expires_at}):")
        console.print(tok.token, highlight=False, soft_wrap=True)
