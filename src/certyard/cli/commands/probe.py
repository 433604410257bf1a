"""certyard probe HOST:PORT — the TLS endpoint check."""

from __future__ import annotations

import typer

from certyard.cli.context import cli_context, read_input
from certyard.cli.output import console, emit_json, table


def register(root: typer.Typer) -> None:
    root.command("probe")(probe)


def probe(
    target: str = typer.Argument(..., help="HOST:PORT"),
    sni: str = typer.Option(None, "--sni", help="Server name to send and verify."),
    starttls: str = typer.Option(None, "--starttls", help="smtp, imap or ldap."),
    trust_store: str = typer.Option("tomcat-trust", "--trust-store",
                                    help="Trust store to validate against (P-trust)."),
    untrusted: str = typer.Option(None, "--untrusted",
                                  help="PEM file of extra intermediates (like AIA fetching)."),
    timeout: float = typer.Option(5.0, "--timeout", min=0.1, max=60),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Connect, validate the presented chain, enumerate TLS versions, flag defects.
    Exit status 1 when a flag is raised."""
    from certyard.probe import probe_endpoint

    extra = read_input(untrusted, 1024 * 1024) if untrusted else None
    report = probe_endpoint(cli_context(), target, sni=sni, starttls=starttls,
                            trust_store=trust_store, untrusted=extra, timeout=timeout)
    if json_:
        emit_json(report.to_dict())
    else:
        console.print(f"{report.target}: TLS {report.version or '-'} {report.cipher or ''}")
        console.print(f"accepted versions: {', '.join(report.versions) or 'none'}")
        for i, c in enumerate(report.chain):
            console.print(f"  [{i}] {c['subject']}  (issuer {c['issuer']})")
        if report.validation:
            v = report.validation
            console.print("validation: " + ("OK" if v.valid else f"FAILED: {v.reason}"))
        if report.error:
            console.print(f"error: {report.error}")
        table("Findings", ["Flag", "Detail"],
              [(f, report.details.get(f, "")) for f in report.flags], empty="no findings")
    if report.flags:
        # standalone_mode=False swallows typer.Exit codes; a typed error sets exit 1.
        from certyard.errors import CertyardError

        raise CertyardError(f"{target}: {len(report.flags)} finding(s): "
                            f"{', '.join(report.flags)}")
