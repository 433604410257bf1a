"""certyard db status, certyard db upgrade"""

from __future__ import annotations

from pathlib import Path

import typer

from certyard.cli.output import console, emit_json

NAME = "db"
app = typer.Typer(help="Database schema: status against this version, upgrade (with backup).",
                  no_args_is_help=True)

_ADVICE = {
    "empty": "no schema yet: `certyard init` or `certyard serve` creates it",
    "current": "the schema is what this version expects",
    "behind": "run `certyard db upgrade` (a backup is taken first)",
    "ahead": "made by a newer certyard: run that version, or restore its pre-upgrade backup",
    "unversioned": "tables exist but no schema version — not a certyard database or damaged; "
                   "restore a backup",
}


@app.command("status")
def status(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the applied migrations against the ones this version expects.
    Exit status 1 when the database is not at this version's schema."""
    from certyard.config import Settings
    from certyard.context import check_initialised
    from certyard.ops.upgrade import database_status

    settings = Settings.from_env()
    check_initialised(settings)  # a read-only look never creates the database file
    st = database_status(settings)
    if json_:
        emit_json({**st.to_dict(), "advice": _ADVICE[st.state]})
    else:
        console.print(f"Schema: {st.state} — {_ADVICE[st.state]}")
        console.print(f"Applied:  {', '.join(st.applied) or '-'}")
        console.print(f"Expected: {', '.join(st.expected)}")
        if st.pending and st.state not in ("empty", "unversioned"):
            console.print(f"Pending:  {', '.join(st.pending)}")
        if st.unknown:
            console.print(f"Unknown to this version: {', '.join(st.unknown)}")
    if st.state not in ("current",):
        raise typer.Exit(1)


@app.command("upgrade")
def upgrade(
    no_backup: bool = typer.Option(False, "--no-backup",
                                   help="Do not copy the database first (you took one)."),
    backup_dir: Path = typer.Option(None, "--backup-dir",
                                    help="Where the copy goes (default $CERTYARD_HOME/backups)."),
    force: bool = typer.Option(False, "--force", help="Start an empty database even though a "
                               "master key exists without one (wrong home or lost volume?)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Apply pending migrations after copying the database (stop the servers first)."""
    from certyard.config import Settings
    from certyard.ops.upgrade import upgrade_database

    res = upgrade_database(Settings.from_env(), backup=not no_backup, backup_dir=backup_dir,
                           force=force)
    if json_:
        emit_json(res.to_dict())
        return
    if res.backup:
        console.print(f"Backup of the database before the upgrade: {res.backup}")
    if res.before.state == "current":
        console.print("The schema is already current; nothing to do.")
    else:
        console.print(f"Upgraded: {len(res.before.pending)} migration(s) applied; "
                      f"schema {res.after.state}.")
