"""certyard enhanced-security status|enable|disable."""

from __future__ import annotations

import typer

from certyard import policy
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json

NAME = "enhanced-security"
app = typer.Typer(help="Enhanced Security Mode (requires FIPS mode).", no_args_is_help=True)


def _render(data: dict, json_: bool) -> None:  # type: ignore[type-arg]
    if json_:
        emit_json(data)
        return
    console.print(f"Enhanced Security Mode: {'enabled' if data['enabled'] else 'disabled'}")
    if data.get("rules_in_force"):
        console.print("Passwords in force:")
        for line in data["rules_in_force"]:
            console.print(f"  - {line}")
    if data.get("prerequisites_missing") and not data["enabled"]:
        console.print("Missing before it can be enabled:")
        for line in data["prerequisites_missing"]:
            console.print(f"  - {line}")
    if data.get("syslog_protocol"):
        console.print(f"  remote syslog protocol: {data['syslog_protocol']}")
    if data.get("note"):
        console.print(data["note"])
    for item in data.get("restart", []):
        console.print(f"restart notice: {item}")


@app.command("status")
def status(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show whether the mode is on and the credential policy in force."""
    _render(policy.enhanced_status(cli_context()), json_)


@app.command("enable")
def enable(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Enable the mode: a stricter password policy (which cannot then be loosened), TCP
    remote syslog. Needs FIPS mode, a remote syslog server and a 14+ character security
    password; every missing one is named.

    Example: certyard enhanced-security enable
    """
    _render(policy.enable_enhanced(cli_context()), json_)


@app.command("disable")
def disable(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Disable the mode (the credential policy is left as it is)."""
    _render(policy.disable_enhanced(cli_context()), json_)
