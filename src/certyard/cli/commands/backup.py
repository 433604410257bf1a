"""certyard backup, certyard restore"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from certyard import backup
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, fmt_datetime
from certyard.cli.ui import UsageProblem, confirm, interactive, progress
from certyard.errors import InvalidFile


def _password(password_file: Path | None, *, confirm: bool) -> str:
    if password_file is not None:
        from certyard.cli.context import read_secret_file

        return read_secret_file(str(password_file))
    env = os.environ.get("CERTYARD_BACKUP_PASSWORD")
    if env:
        return env
    if not interactive():
        raise UsageProblem("no terminal to ask for the security password on; use "
                           "--password-file FILE or set CERTYARD_BACKUP_PASSWORD")
    return typer.prompt("Security password", hide_input=True, confirmation_prompt=confirm)


def register(root: typer.Typer) -> None:
    @root.command("backup")
    def backup_cmd(
        output: Path = typer.Argument(..., help="Archive file to write."),
        password_file: Path = typer.Option(None, "--password-file",
                                           help="File holding the security password."),
        force: bool = typer.Option(False, "--force", help="Replace an existing archive."),
        json_: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Write the database and keys into one archive encrypted with the security
        password (also read from CERTYARD_BACKUP_PASSWORD). An existing file is kept unless
        --force."""
        ctx = cli_context()
        if output.exists() and not force:
            from certyard.errors import Conflict

            raise Conflict(f"{output} already exists; choose another name or use --force "
                           "to replace it")
        pw = _password(password_file, confirm=True)
        with progress("Backing up") as bar:
            def step(name: str, i: int, n: int) -> None:
                if bar is not None:
                    bar(i, n, f"table {name}")

            info = backup.create_backup(ctx, output, password=pw, progress=step,
                                             overwrite=force)
        if json_:
            emit_json(info.to_dict())
        else:
            console.print(f"Wrote {info.path} ({info.bytes:,} bytes, "
                          f"{sum(info.tables.values()):,} rows in {len(info.tables)} tables).")
            for k in info.token_keys:  # not in the archive: say so
                console.print(f"Not in the backup: the key of {k['subject']} stays in PKCS#11 "
                              f"token {k['token']!r} (label {k.get('key_label')!r}).")

    @root.command("restore")
    def restore_cmd(
        archive: Path = typer.Argument(..., help="Archive written by `certyard backup`."),
        password_file: Path = typer.Option(None, "--password-file",
                                           help="File holding the security password."),
        yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
        skip_token_check: bool = typer.Option(
            False, "--skip-token-check",
            help="Restore even if a CA key's PKCS#11 token does not hold it."),
        json_: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Replace everything in the store with an archive's content (needs the security
        password in force when the backup was taken)."""
        if archive.is_dir():
            raise InvalidFile(f"{archive} is a directory, not a backup file", field="archive")
        if not archive.exists():
            raise InvalidFile(f"file {archive} not found", field="archive")
        if not archive.is_file():
            raise InvalidFile(f"{archive} is not a regular file (a device or a pipe)",
                              field="archive")
        pw = _password(password_file, confirm=False)
        info = backup.read_backup_info(archive, password=pw)
        confirm(f"Replace the whole store with the backup of {fmt_datetime(info.created_at)} "
                f"({sum(info.tables.values()):,} rows)?", yes=yes)
        ctx = cli_context(create=True)
        with progress("Restoring") as bar:
            def restore_step(name: str, i: int, n: int) -> None:
                if bar is not None:
                    bar(i, n, f"table {name}")

            info = backup.restore_backup(ctx, archive, password=pw, progress=restore_step,
                                         skip_token_check=skip_token_check)
        if json_:
            emit_json(info.to_dict())
        else:
            console.print(f"Restored the backup of {fmt_datetime(info.created_at)} "
                          f"({sum(info.tables.values()):,} rows).")
