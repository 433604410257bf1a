"""certyard init, certyard node ..."""

from __future__ import annotations

import typer

from certyard import cluster
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, table, warn
from certyard.cli.ui import confirm

NAME = "node"
app = typer.Typer(help="Nodes of the cluster: add, list, remove.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    @root.command("init")
    def init(
        name: str = typer.Option(None, help="Publisher node name (default: short host name)."),
        fqdn: str = typer.Option(None, help="Publisher FQDN (default: this host's FQDN)."),
        ip: str = typer.Option(None, help="Publisher IP address."),
        force: bool = typer.Option(False, "--force", help="Start an empty database although "
                                   "a master key file exists without one (lost volume?)."),
        json_: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Create the cluster (idempotent): publisher node, default purposes, and a
        self-signed identity certificate per purpose in its trust store."""
        result = cluster.init_cluster(cli_context(create=True, force_new_database=force),
                                      name=name, fqdn=fqdn, ip=ip)
        if json_:
            emit_json(result.to_dict())
            return
        for w in result.warnings:
            warn(w)
        p = result.publisher
        if result.created:
            console.print(f"Cluster initialised. Publisher: {p.name} ({p.fqdn}); "
                          f"purposes: {', '.join(result.purposes)}")
        else:
            console.print(f"Already initialised. Publisher: {p.name} ({p.fqdn})")


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Node name (letters, digits, hyphens)."),
    fqdn: str = typer.Option(..., "--fqdn", help="Fully qualified domain name."),
    ip: str = typer.Option(None, "--ip", help="IP address."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add a subscriber node (it gets a self-signed certificate for every purpose)."""
    node = cluster.add_node(cli_context(), name, fqdn=fqdn, ip=ip)
    if json_:
        emit_json(node.to_dict())
    else:
        console.print(f"Added node {node.name} ({node.fqdn}).")


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the nodes of the cluster."""
    nodes = cluster.list_nodes(cli_context())
    if json_:
        emit_list(nodes)
        return
    table("Nodes", ["Name", "FQDN", "IP", "Role", "Identity certificates"],
          [(n.name, n.fqdn, n.ip or "-", "publisher" if n.is_publisher else "subscriber",
            n.identities) for n in nodes], empty="no nodes: run `certyard init`")


@app.command("remove")
def remove(
    name: str = typer.Argument(..., help="Node name or FQDN."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove a subscriber node and its certificates (never the publisher)."""
    confirm(f"Remove node {name} and all its certificates?", yes=yes)
    node = cluster.remove_node(cli_context(), name)
    console.print(f"Removed node {node.name} ({node.fqdn}).")
