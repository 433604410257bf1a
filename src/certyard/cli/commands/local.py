"""certyard local ...: a host utility for certificates in a host directory."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

from certyard.cli.context import read_input
from certyard.cli.output import console, emit_json, emit_list, table
from certyard.cli.ui import confirm

NAME = "local"
app = typer.Typer(help="Local host utility: self-signed host certificate, CSR, trusted "
                       "certificates in a host directory (certs/, keys/, trust-certs/).",
                  no_args_is_help=True)

_DIR_HELP = "Host directory (env CERTYARD_LOCAL_DIR; default $CERTYARD_HOME/ssl)."


def _hostdir(directory: Path | None):  # type: ignore[no-untyped-def]
    from certyard.config import Settings
    from certyard.hostutil import HostDir

    if directory is None:
        env = os.environ.get("CERTYARD_LOCAL_DIR")
        directory = Path(env) if env else Settings.from_env().home / "ssl"
    return HostDir(directory)


@app.command("generate-cert")
def generate_cert(
    force: bool = typer.Option(False, "--force", "-f",
                               help="Replace an existing host.pem and host.key."),
    common_name: str = typer.Option(None, "--cn", help="Common name (default: host FQDN)."),
    directory: Path = typer.Option(None, "--dir", help=_DIR_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Generate a self-signed certs/host.pem (RSA 2048, existing keys/host.key reused)."""
    res = _hostdir(directory).generate_cert(common_name=common_name, force=force,
                                            now=dt.datetime.now(dt.timezone.utc))
    if json_:
        emit_json(res.to_dict())
    else:
        console.print(f"Wrote {res.path}" + (" (existing key reused)" if res.key_reused else ""))


@app.command("generate-csr")
def generate_csr(
    force: bool = typer.Option(False, "--force", "-f", help="Replace an existing host.csr."),
    common_name: str = typer.Option(None, "--cn", help="Common name (default: host FQDN)."),
    directory: Path = typer.Option(None, "--dir", help=_DIR_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Generate certs/host.csr signed with keys/host.key (created if missing)."""
    res = _hostdir(directory).generate_csr(common_name=common_name, force=force)
    if json_:
        emit_json(res.to_dict())
    else:
        console.print(f"Wrote {res.path}" + (" (existing key reused)" if res.key_reused else ""))


@app.command("install")
def install(
    file: str = typer.Argument(..., help="PEM or DER certificate file ('-' for stdin)."),
    name: str = typer.Option(None, "--name", help="File name in trust-certs/ (default: CN)."),
    directory: Path = typer.Option(None, "--dir", help=_DIR_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Install a peer's certificate into trust-certs/ (fails if that name exists)."""
    res = _hostdir(directory).install(read_input(file, 1024 * 1024), name=name)
    if json_:
        emit_json(res.to_dict())
    else:
        console.print(f"Installed {res.path}")


@app.command("remove")
def remove(
    name: str = typer.Argument(..., help="Certificate name as shown by `certyard local list`."),
    directory: Path = typer.Option(None, "--dir", help=_DIR_HELP),
    yes: bool = typer.Option(False, "--yes", "-y"),
) -> None:
    """Remove a certificate from trust-certs/."""
    confirm(f"Remove {name} from the trusted certificates?", yes=yes)
    res = _hostdir(directory).remove(name)
    console.print(f"Removed {res.path}")


@app.command("list")
def list_(
    directory: Path = typer.Option(None, "--dir", help=_DIR_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List host.pem and the trusted certificates in trust-certs/."""
    certs = _hostdir(directory).list()
    if json_:
        emit_list(certs)
        return
    table("Host certificates", ["Name", "Location", "Subject", "Expires", "SHA-256"],
          [(c.name, c.location, c.subject, c.not_after[:10], c.fingerprint_sha256[:16])
           for c in certs], empty="no certificates")
