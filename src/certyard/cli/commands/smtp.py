"""certyard smtp ..."""

from __future__ import annotations

import sys

import typer

from certyard import monitor
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, show_fields

NAME = "smtp"
app = typer.Typer(help="The mail server for notices and alerts: show, set, test.",
                  no_args_is_help=True)


def _print(d: dict[str, object]) -> None:
    show_fields(d, labels={"timeout_seconds": "Timeout (seconds)",
                           "password_set": "Password stored"})


@app.command("show")
def show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the SMTP settings (the password is never shown, only whether one is set)."""
    d = monitor.get_smtp_settings(cli_context()).to_dict()
    emit_json(d) if json_ else _print(d)


@app.command("set")
def set_(
    host: str = typer.Option(None, "--host", help="SMTP server host name or IP."),
    port: int = typer.Option(None, "--port", help="SMTP port (25, 465, 587 ...)."),
    security: str = typer.Option(None, "--security", help="none, starttls or tls (implicit)."),
    username: str = typer.Option(None, "--username", help="Log in as this user ('' for none)."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the SMTP password from stdin."),
    clear_password: bool = typer.Option(False, "--clear-password",
                                        help="Remove the stored password."),
    sender: str = typer.Option(None, "--sender", help="From address."),
    timeout: int = typer.Option(None, "--timeout", help="Seconds before giving up (1-300)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Change SMTP settings; options not given keep their value."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif clear_password:
        password = ""
    s = monitor.update_smtp_settings(cli_context(), host=host, port=port, security=security,
                                     username=username, password=password, sender=sender,
                                     timeout_seconds=timeout)
    emit_json(s.to_dict()) if json_ else console.print(
        f"SMTP settings saved ({s.host or '-'}:{s.port}, {s.security}).")


@app.command("test")
def test(
    to: str = typer.Option(..., "--to", help="Comma-separated recipients."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Send a test mail now and report the server's answer."""
    r = monitor.send_test_mail(cli_context(), to=to)
    emit_json(r) if json_ else console.print(
        f"Test mail sent to {', '.join(r['to'])} via {r['host']}:{r['port']}.")
