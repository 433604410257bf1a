"""certyard connections ...: secured connections between services on nodes ."""

from __future__ import annotations

import typer

from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, table, warn
from certyard.cli.ui import confirm

NAME = "connections"
app = typer.Typer(help="Secured connections: client service on a node -> server service on "
                       "a node; check and fix trust.", no_args_is_help=True)


def _show(view) -> None:  # type: ignore[no-untyped-def]
    console.print(f"{view.name}: {view.client} -> {view.server} ({view.mode}): "
                  f"{'OK' if view.ok else 'trust missing'}")
    for c in view.checks:
        mark = "ok" if c.ok else ("fixable" if c.fixable else "NOT fixable")
        console.print(f"  {c.direction}: {c.presenter} in {c.trust_store}: {mark}"
                      + (f" ({c.reason})" if c.reason else ""), highlight=False)


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The server-client matrix: every declared connection and its trust status."""
    from certyard.cluster.connections import list_connections

    views = list_connections(cli_context())
    if json_:
        emit_list(views)
        return
    table("Secured connections", ["Name", "Client", "Server", "Mode", "Trust"],
          [(v.name, v.client, v.server, v.mode, "OK" if v.ok else "missing") for v in views],
          empty="no secured connections")


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Connection name."),
    client: str = typer.Option(..., "--client", help="Client as PURPOSE@NODE."),
    server: str = typer.Option(..., "--server", help="Server as PURPOSE@NODE."),
    mode: str = typer.Option("mutual", "--mode", help="one-way or mutual."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Declare a secured connection and show whether trust is in place."""
    from certyard.cluster.connections import add_connection
    from certyard.errors import InvalidInput

    parts = []
    for label, value in (("client", client), ("server", server)):
        purpose, sep, node = value.partition("@")
        if not sep or not purpose or not node:
            raise InvalidInput(f"--{label} takes PURPOSE@NODE, not {value!r}", field=label)
        parts.append((purpose, node))
    view = add_connection(cli_context(), name=name, client_purpose=parts[0][0],
                          client_node=parts[0][1], server_purpose=parts[1][0],
                          server_node=parts[1][1], mode=mode)
    if json_:
        emit_json(view.to_dict())
    else:
        _show(view)


@app.command("check")
def check(
    name: str = typer.Argument(..., help="Connection name."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check trust in each needed direction (exit 1 when missing)."""
    from certyard.cluster.connections import check_connection

    view = check_connection(cli_context(), name)
    if json_:
        emit_json(view.to_dict())
    else:
        _show(view)
    if not view.ok:
        from certyard.errors import CertyardError

        # A typed error (exit 1): main() does not turn typer.Exit into an exit code.
        raise CertyardError(f"trust is missing for {name}; run `certyard connections fix "
                            f"{name}`")


@app.command("fix")
def fix(
    name: str = typer.Argument(..., help="Connection name."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Import the missing CA or self-signed certificates into the right trust stores."""
    from certyard.cluster.connections import fix_connection

    view, imported = fix_connection(cli_context(), name)
    if json_:
        emit_json({**view.to_dict(), "imported": imported})
        return
    for line in imported:
        console.print(f"Imported {line}")
    if not imported:
        console.print("Nothing to import.")
    _show(view)
    warn("agents pick the change up on their next sync and reload the affected services")


@app.command("remove")
def remove(name: str = typer.Argument(..., help="Connection name."),
           yes: bool = typer.Option(False, "--yes", "-y")) -> None:
    """Remove a declared connection (trust stores are left as they are)."""
    confirm(f"Remove connection {name}?", yes=yes)
    from certyard.cluster.connections import remove_connection

    remove_connection(cli_context(), name)
    console.print(f"Removed {name}.")
