"""certyard security-password status|set — the cluster's persistent security password."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from certyard import backup
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, warn

NAME = "security-password"
app = typer.Typer(help="The security password that encrypts every backup (14+ characters "
                       "before FIPS or Enhanced Security Mode).", no_args_is_help=True)


def _secret(path: Path | None, env: str, prompt: str, *, confirm: bool) -> str | None:
    if path is not None:
        from certyard.cli.context import read_secret_file

        return read_secret_file(str(path))
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        return None
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


@app.command("status")
def status(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Whether a security password is set and long enough for FIPS mode.

    Example: certyard security-password status
    """
    st = backup.security_password_status(cli_context())
    if json_:
        emit_json(st.to_dict())
        return
    console.print(f"Security password: {'set' if st.set else 'not set'}")
    if st.set:
        console.print(f"Long enough for FIPS / Enhanced Security Mode (14+): "
                      f"{'yes' if st.meets_fips_length else 'no'}")
        console.print(f"Changed: {st.changed_at}")


@app.command("set")
def set_(
    password_file: Path = typer.Option(None, "--password-file",
                                       help="File holding the new security password "
                                            "(or CERTYARD_SECURITY_PASSWORD)."),
    current_file: Path = typer.Option(None, "--current-file",
                                      help="File holding the current security password, "
                                           "to change it (or CERTYARD_CURRENT_SECURITY_"
                                           "PASSWORD)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Set or change the security password (8 to 127 characters; 14 or more while FIPS or
    Enhanced Security Mode is on). Older backups keep needing the password they were made
    with: take a new backup after a change.

    Example: certyard security-password set --password-file /root/secpw
    """
    from certyard.errors import InvalidInput

    ctx = cli_context()
    current = None
    if backup.security_password_status(ctx).set:
        current = _secret(current_file, "CERTYARD_CURRENT_SECURITY_PASSWORD",
                          "Current security password", confirm=False)
        if current is None:
            raise InvalidInput("changing the security password needs the current one: "
                               "--current-file F", field="current")
    new = _secret(password_file, "CERTYARD_SECURITY_PASSWORD", "New security password",
                  confirm=True)
    if new is None:
        raise InvalidInput("no terminal to ask for the password: use --password-file F",
                           field="password")
    result = backup.set_security_password(ctx, new, current=current)
    if json_:
        emit_json(result)
        return
    console.print("Security password saved.")
    if result.get("note"):
        warn(result["note"])
