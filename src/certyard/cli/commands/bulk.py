"""certyard bulk ... — bulk certificate export/import over SFTP."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import typer

from certyard import bulk
from certyard.cli.context import cli_context, read_input, read_secret_file, read_text_input
from certyard.cli.output import console, emit_json, emit_list, show_fields, table
from certyard.cli.ui import confirm, interactive, progress

NAME = "bulk"
app = typer.Typer(help="Bulk certificate management: SFTP settings, export (Tomcat, TFTP, "
                       "All) and import of another cluster's trust certificates.",
                  no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


def _progress(label: str, quiet: bool) -> AbstractContextManager[
        Callable[[int, int, str], None] | None]:
    return progress(label)


@app.command("configure")
def configure(
    host: str = typer.Option(..., "--host", help="SFTP server IP address or FQDN."),
    port: int = typer.Option(22, "--port", help="Port; default 22."),
    user_id: str = typer.Option(..., "--user", help="User ID on the server."),
    directory: str = typer.Option(..., "--directory", help="Directory, e.g. /users/cisco."),
    password_file: str = typer.Option(None, "--password-file",
                                      help="File (or - for stdin) holding the password."),
    key_file: str = typer.Option(None, "--key-file", help="Client private key (OpenSSH/PEM)."),
    known_hosts_file: str = typer.Option(None, "--known-hosts-file",
                                         help="known_hosts lines for the server."),
    host_key_fingerprint: str = typer.Option(None, "--host-key-fingerprint",
                                             metavar="SHA256:FP",
                                             help="Pinned SHA256:... host key fingerprint."),
    json_: bool = JSON,
) -> None:
    """Save the SFTP server settings (the password is stored encrypted)."""
    password = (read_secret_file(password_file)
                if password_file else None)
    key = read_input(key_file, 65536) if key_file else None
    kh = read_text_input(known_hosts_file, 65536) if known_hosts_file else None
    view = bulk.configure_sftp(cli_context(), host=host, port=port, user_id=user_id,
                               directory=directory, password=password, private_key=key,
                               known_hosts=kh, host_key_fingerprint=host_key_fingerprint)
    if json_:
        emit_json(view.to_dict())
    else:
        console.print(f"Saved SFTP server {view.user_id}@{view.host}:{view.port}"
                      f"{view.directory}.")


@app.command("host-key")
def host_key(host: str = typer.Option(..., "--host", help="SFTP server IP address or FQDN."),
             port: int = typer.Option(22, "--port", help="Port; default 22.")) -> None:
    """Print the server's SHA-256 host key fingerprint to compare before pinning it."""
    from certyard.syslog.forward import check_host, check_port

    console.print(bulk.scan_host_key(check_host(host), check_port(port)))


@app.command("show")
def show(json_: bool = JSON) -> None:
    """The SFTP server settings (never the password or key)."""
    view = bulk.show_sftp(cli_context())
    if json_:
        emit_json(view.to_dict())
        return
    show_fields(view, labels={"user_id": "User", "host_key_fingerprint": "Pinned host key"})


@app.command("export")
def export(scope: str = typer.Argument(..., help="tomcat, tftp or all."),
           json_: bool = JSON) -> None:
    """Export certificates to the SFTP server with a SHA-512 manifest."""
    with _progress("Uploading", json_) as cb:
        res = bulk.export_certificates(cli_context(), scope, progress=cb)
    if json_:
        emit_json(res.to_dict())
    else:
        console.print(f"Exported {res.files - 1} certificates and manifest.json to "
                      f"{res.remote_path}.")


@app.command("exports")
def exports(json_: bool = JSON) -> None:
    """List the exports in the SFTP directory (this and other clusters')."""
    names = bulk.list_exports(cli_context())
    if json_:
        emit_list(names)
        return
    table("Exports on the SFTP server", ["Name"], [(n,) for n in names],
          empty="no exports in the directory")


def _preview_table(p: bulk.ImportPreview) -> None:
    console.print(f"Export {p.export} of cluster {p.cluster} ({p.scope}, {p.created_at}):")
    table(None, ["Subject", "SHA-256", "From", "Valid now", "Already in"],
          [(c["subject"], c["fingerprint_sha256"][:16] + "…",
            f"{c['source_purpose']} {c['source_kind']}", "yes" if c["valid_now"] else "no",
            ", ".join(c["already_in"]) or "-") for c in p.certificates])


@app.command("import-preview")
def import_preview(name: str = typer.Argument(..., help="Export name (see `bulk exports`)."),
                   json_: bool = JSON) -> None:
    """Show what an import would add; changes nothing."""
    with _progress("Downloading", json_) as cb:
        p = bulk.preview_import(cli_context(), name, progress=cb)
    if json_:
        emit_json(p.to_dict())
    else:
        _preview_table(p)


@app.command("import")
def import_(name: str = typer.Argument(..., help="Export name (see `bulk exports`)."),
            trust_store: list[str] = typer.Option(..., "--trust-store",
                                                  help="Target trust store (repeat)."),
            yes: bool = typer.Option(False, "--yes", "-y",
                                     help="Do not show the preview or ask."),
            json_: bool = JSON) -> None:
    """Import the export's certificates into the chosen trust stores, after a preview."""
    ctx = cli_context()
    if not yes:
        if interactive():
            _preview_table(bulk.preview_import(ctx, name))
        confirm(f"Import into {', '.join(trust_store)}?", yes=yes)
    with _progress("Downloading", json_) as cb:
        res = bulk.import_trust_certificates(ctx, name, trust_store, progress=cb)
    if json_:
        emit_json(res)
        return
    for ts, r in res["stores"].items():
        console.print(f"{ts}: {r['added']} added, {r['duplicates']} already present.")
    for s in res["skipped_not_valid_now"]:
        console.print(f"skipped (not valid now): {s}")
