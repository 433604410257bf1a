"""certyard user ..."""

from __future__ import annotations

import getpass
import os

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, fmt_datetime, table
from certyard.cli.ui import UsageProblem, confirm, interactive

NAME = "user"
app = typer.Typer(help="Administrator accounts: add, list, role, unlock, reset password.",
                  no_args_is_help=True)


_ROLE_HELP = "Role: " + ", ".join(accounts.BUILTIN_ROLES) + ", or a custom role."


def _password(prompt: str) -> str:
    env = os.environ.get("CERTYARD_NEW_PASSWORD")
    if env:
        return env
    if not interactive():
        raise UsageProblem("no terminal to ask for the password on; set it in the "
                           "CERTYARD_NEW_PASSWORD environment variable")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise UsageProblem("the two passwords differ; nothing was changed")
    return first


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List administrators with their role, state and last sign-in."""
    users = accounts.list_users(cli_context())
    if json_:
        emit_list(users)
        return
    table("Administrators", ["Name", "Role", "State", "Last sign-in"],
          [(u.name, u.role, "locked" if u.locked else "disabled" if u.disabled else "active",
            fmt_datetime(u.last_sign_in_at) if u.last_sign_in_at else "never") for u in users],
          empty="no users yet; `certyard serve` creates the first administrator")


@app.command("add")
def add(name: str = typer.Argument(..., help="User name."),
        role: str = typer.Option("Read-only", "--role", help=_ROLE_HELP),
        json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Add a user (password asked, or CERTYARD_NEW_PASSWORD); changed at first sign-in."""
    ctx = cli_context()
    accounts.check_role(ctx, role)  # before asking for a password
    u = accounts.create_user(ctx, name, role=role, password=_password("Password: "))
    if json_:
        emit_json(u.to_dict())
    else:
        console.print(f"Added {u.name} ({u.role}).")


@app.command("role")
def role(name: str = typer.Argument(..., help="User name."),
         new_role: str = typer.Argument(..., metavar="ROLE", help=_ROLE_HELP),
         ) -> None:
    """Change a user's role."""
    u = accounts.set_role(cli_context(), name, new_role)
    console.print(f"{u.name} is now {u.role}.")


@app.command("unlock")
def unlock(name: str = typer.Argument(..., help="User name.")) -> None:
    """Unlock a user locked out after failed sign-ins."""
    accounts.unlock_user(cli_context(), name)
    console.print(f"Unlocked {name}.")


@app.command("reset-password")
def reset_password(name: str = typer.Argument(..., help="User name.")) -> None:
    """Set a new password (asked, or CERTYARD_NEW_PASSWORD); changed at next sign-in."""
    accounts.reset_password(cli_context(), name, _password("New password: "))
    console.print(f"Password of {name} reset; it must be changed at next sign-in.")


@app.command("delete")
def delete(name: str = typer.Argument(..., help="User name."),
           yes: bool = typer.Option(False, "--yes", "-y")) -> None:
    """Delete a user; their sessions and API tokens end with them."""
    confirm(f"Delete user {name}?", yes=yes)
    accounts.delete_user(cli_context(), name)
    console.print(f"Deleted {name}.")
