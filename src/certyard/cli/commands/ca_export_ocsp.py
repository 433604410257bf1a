"""certyard ca ocsp-export — pre-signed OCSP responses as files for a web server or CDN."""

from __future__ import annotations

from pathlib import Path

import typer

from certyard.cli.commands.ca import app as ca_app
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json

__all__: list[str] = []  # adds a command to ``certyard ca``; no group of its own


@ca_app.command("ocsp-export")
def ocsp_export(
    directory: Path = typer.Argument(..., help="Directory to write (created if missing)."),
    no_presign: bool = typer.Option(False, "--no-presign",
                                    help="Export stored responses only; do not sign "
                                         "missing or half-stale ones first."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Write each unexpired certificate's pre-signed OCSP response as a file named by the
    SHA-1 (sha1/) and base64url (b64/) of its request; remove files of expired ones."""
    from certyard.ca.ocsp_export import export_ocsp_responses

    result = export_ocsp_responses(cli_context(), directory, presign=not no_presign)
    if json_:
        emit_json(result.to_dict())
        return
    console.print(f"Wrote {result.written} OCSP responses to {result.directory} "
                  f"(removed {result.removed}); earliest nextUpdate "
                  f"{result.earliest_next_update or '-'}.")
