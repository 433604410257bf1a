"""certyard allowlist ...: which addresses may reach the admin UI."""

from __future__ import annotations

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_list
from certyard.cli.ui import confirm

NAME = "allowlist"
app = typer.Typer(help="Admin UI allowlist: addresses and CIDR ranges; empty allows all.",
                  no_args_is_help=True)


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the addresses and ranges that may reach the admin UI."""
    nets = accounts.list_allowed(cli_context())
    if json_:
        emit_list(nets)
    elif not nets:
        console.print("The admin UI allowlist is empty: every address may connect.")
    else:
        console.print("Admin UI allowlist:")
        for n in nets:
            console.print(f"  {n}")


@app.command("add")
def add(address: str = typer.Argument(..., help="IP address or CIDR range.")) -> None:
    """Allow an address or range to reach the admin UI."""
    console.print(f"Added {accounts.add_allowed(cli_context(), address)} to the allowlist.")


@app.command("delete")
def delete(address: str = typer.Argument(..., help="IP address or CIDR range."),
           yes: bool = typer.Option(False, "--yes", "-y")) -> None:
    """Remove an address or range from the allowlist."""
    confirm(f"Remove {address} from the admin UI allowlist?", yes=yes)
    console.print(f"Deleted {accounts.delete_allowed(cli_context(), address)} from the "
                  "allowlist.")
