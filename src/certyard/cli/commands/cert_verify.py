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
    max_depth: int = typer.Option(None, "--max-depth",
                                  help="Most intermediates allowed between the certificate "
                                       "and a trust anchor (0-8; default 8)."),
    crl: list[str] = typer.Option(None, "--crl",
                                  help="CRL file (PEM or DER) to check revocation against; "
                                       "repeat for several issuers."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Validate a certificate chain offline; print the built path or why it fails.

    Beyond the library's RFC 5280 / web-PKI checks, certyard also refuses: a CA certificate
    as the leaf, missing key identifiers, a root whose AKI names an issuer, a leaf without
    (or with any) extended key usage, a Common Name that is not one of the SANs, DSA keys,
    RSA moduli that are not a multiple of 8 bits, and certificates revoked by a given CRL.
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
        hostname=hostname, at=when, purpose=purpose, max_depth=max_depth,
        crls=[read_input(f, _LIMIT) for f in crl or []])
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
