"""certyard tls ... — minimum TLS version, Cipher Management, HTTPS Ciphers option."""

from __future__ import annotations

import typer

from certyard import policy
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, table, warn

NAME = "tls"
app = typer.Typer(help="TLS policy: minimum TLS version, cipher strings, HTTPS Ciphers.",
                  no_args_is_help=True)
min_app = typer.Typer(help="Minimum TLS version (1.0, 1.1, 1.2, 1.3).", no_args_is_help=True)
ciphers_app = typer.Typer(help="Cipher Management: all, https, sip, ssh-ciphers, ssh-kex, "
                               "ssh-mac.", no_args_is_help=True)
https_app = typer.Typer(help="HTTPS Ciphers option: rsa-only or ec-and-rsa.",
                        no_args_is_help=True)
app.add_typer(min_app, name="min-version")
app.add_typer(ciphers_app, name="ciphers")
app.add_typer(https_app, name="https-ciphers")
srtp_app = typer.Typer(help="SRTP Ciphers: the media crypto suites nodes may offer.",
                       no_args_is_help=True)
app.add_typer(srtp_app, name="srtp-ciphers")


@ciphers_app.command("preset")
def ciphers_preset(
    interface: str = typer.Argument(..., help="all, https or sip."),
    preset: str = typer.Argument(..., help="all-rsa-preferred, all-ecdsa-preferred, "
                                           "strongest-rsa-preferred, strongest-ecdsa-"
                                           "preferred, medium-rsa-preferred or medium-ecdsa-"
                                           "preferred."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Set an interface's ciphers to one of the TLS cipher presets.

    Example: certyard tls ciphers preset sip strongest-ecdsa-preferred
    """
    change = policy.apply_tls_preset(cli_context(), interface, preset)
    if not json_:
        console.print(f"{interface}: {change.details['label']}")
    _render_change(change, json_)


@srtp_app.command("show")
def srtp_show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the SRTP Ciphers preset and its suites.

    Example: certyard tls srtp-ciphers show
    """
    data = policy.get_srtp_preset(cli_context())
    if json_:
        emit_json(data)
        return
    console.print(f"SRTP Ciphers: {data['label']} ({', '.join(data['suites'])})")


@srtp_app.command("set")
def srtp_set(
    preset: str = typer.Argument(..., help="all (default), strongest or medium."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Choose the SRTP Ciphers preset: all (All Supported Ciphers), strongest (AEAD AES-256
    GCM only) or medium (AEAD AES-256 GCM and AEAD AES-128 GCM).

    Example: certyard tls srtp-ciphers set strongest
    """
    change = policy.set_srtp_preset(cli_context(), preset)
    if not json_:
        console.print(f"SRTP Ciphers: {change.details['label']}")
    _render_change(change, json_)


def _render_change(change: policy.PolicyChange, json_: bool) -> None:
    if json_:
        emit_json(change.to_dict())
        return
    for w in change.warnings:
        warn(w)
    for item in change.restart:
        state = "reloaded" if item in change.reloaded else "must be restarted"
        console.print(f"restart notice: {item} {state}")


@min_app.command("show")
def min_show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the configured minimum TLS version."""
    value = policy.get_tls_policy(cli_context())["min_version"]
    if json_:
        emit_json({"min_version": value})
    else:
        console.print(f"Minimum TLS version: {value}")


@min_app.command("set")
def min_set(version: str = typer.Argument(..., help="1.0, 1.1, 1.2 or 1.3."),
            json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Set the minimum TLS version for every inbound TLS interface."""
    change = policy.set_min_version(cli_context(), version)
    if not json_:
        console.print(f"Minimum TLS version set to {change.value['min_version']}")
    _render_change(change, json_)


@ciphers_app.command("show")
def ciphers_show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Configured and effective cipher strings with OpenSSL's resolved list."""
    report = policy.cipher_report(cli_context())
    if json_:
        emit_json(report)
        return
    rows = []
    for name, e in report["interfaces"].items():
        resolved = e.get("resolved")
        rows.append((name, e.get("configured") or "-", e.get("effective") or "-",
                     ":".join(resolved) if resolved else (e.get("error") or e.get("note"))))
    table("Cipher Management", ["Interface", "Configured", "Effective", "Resolved"], rows)
    for name, e in report["interfaces"].items():
        for w in e.get("weak") or []:
            warn(f"{name}: {w}")
    for note in report["notes"]:
        console.print(f"note: {note}")


@ciphers_app.command("set")
def ciphers_set(
    interface: str = typer.Argument(..., help="all, https, sip, ssh-ciphers, ssh-kex, ssh-mac."),
    string: str = typer.Argument(..., help="OpenSSL cipher string (TLS) or comma-separated "
                                           "OpenSSH names; '' clears it."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Validate and store a cipher string for one interface."""
    change = policy.set_cipher_string(cli_context(), interface, string)
    if not json_:
        resolved = change.details.get("resolved")
        if isinstance(resolved, dict):
            console.print("Resolved: " + ":".join(resolved["tls12"]))
        elif resolved:
            console.print("Resolved: " + ",".join(resolved))
        else:
            console.print(f"{interface} cipher string cleared")
    _render_change(change, json_)


@https_app.command("show")
def https_show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the HTTPS Ciphers option and its priority list."""
    option = policy.get_tls_policy(cli_context())["https_cipher_option"]
    data = {"https_cipher_option": option, "label": policy.HTTPS_OPTIONS[option],
            "priority": policy.HTTPS_PRIORITY[option]}
    if json_:
        emit_json(data)
    else:
        console.print(f"HTTPS Ciphers: {data['label']} ({option})\nPriority: {data['priority']}")


@https_app.command("set")
def https_set(option: str = typer.Argument(..., help="rsa-only or ec-and-rsa."),
              json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Choose RSA Ciphers Only or All Supported EC and RSA Ciphers."""
    change = policy.set_https_cipher_option(cli_context(), option)
    if not json_:
        console.print(f"HTTPS Ciphers set to {change.details['label']}")
    _render_change(change, json_)
