"""certyard fips status|enable|disable."""

from __future__ import annotations

import typer

from certyard import policy
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, table, warn

NAME = "fips"
app = typer.Typer(help="FIPS mode: FIPS-approved algorithm choices (status, enable, disable).",
                  no_args_is_help=True)


def _render(result: policy.fips.FipsResult, json_: bool) -> None:
    if json_:
        emit_json(result.to_dict())
        return
    console.print(f"FIPS mode: {'enabled' if result.enabled else 'disabled'}")
    console.print(result.openssl.get("statement", ""))
    if result.noncompliant:
        table("Certificates that do not comply", ["ID", "Purpose", "Type", "Node", "CN", "Why"],
              [(e["id"], e["purpose"], e["type"], e["node"] or "all", e["common_name"],
                ", ".join(e["reasons"])) for e in result.noncompliant])
    for r in result.regenerated:
        console.print(f"regenerated {r['purpose']} on {r['node']} (entry {r['id']})")
    for w in result.warnings:
        warn(w)
    for item in result.restart:
        console.print(f"restart notice: {item}")


@app.command("status")
def status(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """FIPS mode, the OpenSSL FIPS provider state, and non-compliant certificates."""
    _render(policy.fips_status(cli_context()), json_)


@app.command("enable")
def enable(regenerate: bool = typer.Option(False, "--regenerate",
                                           help="Regenerate non-compliant self-signed "
                                                "certificates."),
           json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Enable FIPS mode; list (and with --regenerate, regenerate) non-compliant certificates."""
    _render(policy.enable_fips(cli_context(), regenerate=regenerate), json_)


@app.command("disable")
def disable(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Disable FIPS mode (refused while Enhanced Security Mode is on)."""
    _render(policy.disable_fips(cli_context()), json_)
