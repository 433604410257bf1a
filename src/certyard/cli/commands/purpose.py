"""certyard purpose ..."""

from __future__ import annotations

import typer

from certyard import store
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, table

NAME = "purpose"
app = typer.Typer(help="Certificate purposes (tomcat, ipsec, ...): list and add.",
                  no_args_is_help=True)


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List purposes with their key types, lengths, hashes and services."""
    specs = store.list_purposes(cli_context())
    if json_:
        emit_list(specs)
        return
    table("Purposes", ["Purpose", "Key", "Lengths (default)", "Hashes (default)",
                       "Multi-server", "Trust store", "Services"],
          [(s.name, s.key_type, f"{'/'.join(map(str, s.key_lengths))} ({s.default_key_length})",
            f"{'/'.join(s.hashes)} ({s.default_hash})", "yes" if s.multi_server else "no",
            s.trust_store, ", ".join(s.services)) for s in specs])


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Purpose name, e.g. CallManager."),
    key_type: str = typer.Option("RSA", "--key-type", help="RSA or EC."),
    key_lengths: str = typer.Option(None, "--key-lengths",
                                    help="Comma-separated allowed key lengths "
                                         "(default 2048,3072,4096)."),
    default_key_length: int = typer.Option(None, "--default-key-length",
                                           help="Key length used when none is chosen "
                                                "(default: the first of --key-lengths)."),
    hashes: str = typer.Option(None, "--hashes", help="Comma-separated hashes "
                               "(default SHA256,SHA384,SHA512)."),
    default_hash: str = typer.Option(None, "--default-hash",
                                     help="Hash used when none is chosen (default: the "
                                          "first of --hashes)."),
    multi_server: bool = typer.Option(False, "--multi-server/--single-server",
                                      help="Whether one certificate may serve several "
                                           "nodes (SAN distribution)."),
    services: str = typer.Option("", "--services", help="Comma-separated affected services."),
    description: str = typer.Option("", "--description", help="Free text shown in lists."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add a purpose by configuration; every node gets a self-signed certificate for it."""
    spec = store.PurposeSpec.parse({
        "name": name, "key_type": key_type, "key_lengths": key_lengths,
        "default_key_length": default_key_length, "hashes": hashes,
        "default_hash": default_hash, "multi_server": multi_server, "services": services,
        "description": description,
    })
    store.add_purpose(cli_context(), spec)
    if json_:
        emit_json(spec.to_dict())
    else:
        console.print(f"Added purpose {spec.name} (trust store {spec.trust_store}).")
