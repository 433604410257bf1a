"""certyard role list|add|remove — built-in and custom administrator roles."""

from __future__ import annotations

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, table
from certyard.cli.ui import confirm

NAME = "role"
app = typer.Typer(help="Administrator roles: the built-in ones and custom roles made of "
                       "AREA:ACTION privileges.", no_args_is_help=True)


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List every role with its privileges.

    Example: certyard role list
    """
    roles = accounts.list_roles(cli_context())
    if json_:
        emit_json({"items": [r.to_dict() for r in roles], "total": len(roles)})
        return
    table(None, ["Role", "Kind", "Privileges"],
          [[r.name, "built-in" if r.builtin else "custom", ", ".join(r.privileges)]
           for r in roles])


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Role name (letters, digits, spaces, . _ -)."),
    privilege: list[str] = typer.Option(..., "--privilege", "-p",
                                        help="AREA:ACTION, e.g. certificates:read; repeat. "
                                             f"Areas: {', '.join(accounts.AREAS)}. Actions: "
                                             f"{', '.join(accounts.ACTIONS)}."),
    description: str = typer.Option("", "--description", help="What the role is for."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a custom role.

    Example: certyard role add "Cert Viewer" -p certificates:read -p ca:read
    """
    role = accounts.create_role(cli_context(), name, privileges=list(privilege),
                                description=description)
    if json_:
        emit_json(role.to_dict())
        return
    console.print(f"Role {role.name} created: {', '.join(role.privileges)}")


@app.command("remove")
def remove(
    name: str = typer.Argument(..., help="Custom role to delete."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a custom role (refused while users hold it; built-in roles stay).

    Example: certyard role remove "Cert Viewer" --yes
    """
    confirm(f"Delete the role {name}?", yes=yes)
    accounts.delete_role(cli_context(), name)
    console.print(f"Role {name} deleted.")
