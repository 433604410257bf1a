"""certyard csr ..."""

from __future__ import annotations

import sys

import typer

from certyard import store
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, warn

NAME = "csr"
app = typer.Typer(help="Certificate signing requests: generate and download.",
                  no_args_is_help=True)


@app.command("generate")
def generate(
    purpose: str = typer.Argument(...),
    node: str = typer.Option(None, "--node", help="Node (default: publisher)."),
    distribution: str = typer.Option("single", "--distribution", help="single or multi-server."),
    cn: str = typer.Option(None, "--cn", help="Common name (default: the node FQDN)."),
    san: list[str] = typer.Option(None, "--san", help="Extra subject alternative name."),
    key_length: int = typer.Option(None, "--key-length"),
    hash_: str = typer.Option(None, "--hash"),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Generate a new key and CSR (replaces the purpose's previous CSR)."""
    result = store.generate_csr(cli_context(), purpose, node=node, distribution=distribution,
                                common_name=cn, sans=list(san or []), key_length=key_length,
                                hash_name=hash_)
    if json_:
        emit_json(result.to_dict())
        return
    for w in result.warnings:
        warn(w)
    e = result.entries[0]
    nodes = ", ".join(x.node or "" for x in result.entries)
    console.print(f"Generated {distribution} CSR for {e.purpose} (CN {e.common_name}, "
                  f"{e.key_type}-{e.key_size}) on {nodes}.")
    console.print(f"SANs: {', '.join(e.sans) or '-'}")
    console.print("Download it with: certyard csr download "
                  f"{e.purpose}{'' if node is None else ' --node ' + node}")


@app.command("download")
def download(
    purpose: str = typer.Argument(...),
    node: str = typer.Option(None, "--node", help="Node (default: publisher)."),
    output: str = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """Download a pending CSR as PEM."""
    _, data = store.download_csr(cli_context(), purpose, node=node)
    if output:
        from pathlib import Path

        from certyard.cli.commands.cert import _write_atomically

        _write_atomically(Path(output), data)
    else:
        sys.stdout.buffer.write(data)
