"""certyard cert verify FILE — offline chain validation, as a TLS client would."""

from __future__ import annotations

import typer

from certyard.cli.commands.cert import app as cert_app
from certyard.cli.context import cli_context, read_input
from certyard.cli.output import console, emit_json

_LIMIT = 4 * 1024 * 1024


@cert_app.command("verify")
def verify(
    file: str = typer.Argument(..., help="PEM/DER certificate (leaf first; '-' for stdin)."),
    untrusted: str = typer.Option(None, "--untrusted", help="File of intermediates."),
    trust_store: str = typer.Option(None, "--trust-store", help="Trust store (P-trust)."),
    trusted: str = typer.Option(None, "--trusted", help="File of trust anchors."),
    hostname: str = typer.Option(None, "--hostname", help="DNS name or IP to match."),
    at: str = typer.Option(None, "--at", help="Validation time (ISO 8601); default now."),
    purpose: str = typer.Option("server", "--purpose", help="server or client."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Validate a certificate chain offline; print the built path or why it fails.
    Exit status 3 when the chain is not valid."""
    import datetime as dt

    from certyard.errors import InvalidInput
    from certyard.probe import verify_files

    when = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            raise InvalidInput(f"--at {at!r} is not an ISO 8601 time", field="at") from None
    result = verify_files(
        cli_context(), read_input(file, _LIMIT),
        untrusted=read_input(untrusted, _LIMIT) if untrusted else None,
        trust_store=trust_store, trusted=read_input(trusted, _LIMIT) if trusted else None,
        hostname=hostname, at=when, purpose=purpose)
    if json_:
        emit_json(result.to_dict())
    elif result.valid:
        console.print("OK")
        for i, c in enumerate(result.path):
            console.print(f"  [{i}] {c['subject']}")
    else:
        console.print(f"FAILED: {result.reason}")
    if not result.valid:
        # standalone_mode=False swallows typer.Exit codes; a typed error sets exit 3.
        from certyard.errors import UntrustedChain

        raise UntrustedChain(f"chain not valid: {result.reason}", reason=result.code or "")
