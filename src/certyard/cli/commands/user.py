"""certyard user ..."""

from __future__ import annotations

import getpass
import os

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, table

NAME = "user"
app = typer.Typer(help="Administrator accounts: add, list, role, unlock, reset password.",
                  no_args_is_help=True)


def _password(prompt: str) -> str:
    env = os.environ.get("CERTYARD_NEW_PASSWORD")
    if env:
        return env
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise typer.BadParameter("the passwords differ")
    return first


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    users = accounts.list_users(cli_context())
    if json_:
        emit_json([u.to_dict() for u in users])
        return
    table("Administrators", ["Name", "Role", "State", "Last sign-in"],
          [(u.name, u.role, "locked" if u.locked else "disabled" if u.disabled else "active",
            u.last_sign_in_at.isoformat() if u.last_sign_in_at else "never") for u in users],
          empty="no users yet; `certyard serve` creates the first administrator")


@app.command("add")
def add(name: str = typer.Argument(...),
        role: str = typer.Option("Read-only", "--role"),
        json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Add a user (password asked, or CERTYARD_NEW_PASSWORD); changed at first sign-in."""
    u = accounts.create_user(cli_context(), name, role=role, password=_password("Password: "))
    if json_:
        emit_json(u.to_dict())
    else:
        console.print(f"Added {u.name} ({u.role}).")


@app.command("role")
def role(name: str = typer.Argument(...), new_role: str = typer.Argument(...)) -> None:
    u = accounts.set_role(cli_context(), name, new_role)
    console.print(f"{u.name} is now {u.role}.")


@app.command("unlock")
def unlock(name: str = typer.Argument(...)) -> None:
    accounts.unlock_user(cli_context(), name)
    console.print(f"Unlocked {name}.")


@app.command("reset-password")
def reset_password(name: str = typer.Argument(...)) -> None:
    """Set a new password (asked, or CERTYARD_NEW_PASSWORD); changed at next sign-in."""
    accounts.reset_password(cli_context(), name, _password("New password: "))
    console.print(f"Password of {name} reset; it must be changed at next sign-in.")


@app.command("delete")
def delete(name: str = typer.Argument(...),
           yes: bool = typer.Option(False, "--yes", "-y")) -> None:
    if not yes:
        typer.confirm(f"Delete user {name}?", abort=True)
    accounts.delete_user(cli_context(), name)
    console.print(f"Deleted {name}.")
