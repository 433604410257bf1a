"""``certyard db status`` and ``certyard db upgrade``: where the schema stands, and bringing
an existing database to this code's heads after a copy of it was taken."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from certyard.config import Settings
from certyard.db import migrate
from certyard.db.failures import check_url, database_failure, open_database, sqlite_file
from certyard.db.schema import SchemaStatus, backup_database, check_schema, schema_status
from certyard.errors import ExternalServiceError, InvalidFile, InvalidInput, NotInitialised

__all__ = ["UpgradeResult", "database_status", "upgrade_database"]


@dataclass(frozen=True, kw_only=True)
class UpgradeResult:
    before: SchemaStatus
    after: SchemaStatus
    backup: Path | None

    def to_dict(self) -> dict[str, object]:
        return {"before": self.before.to_dict(), "after": self.after.to_dict(),
                "backup": str(self.backup) if self.backup else None,
                "changed": self.before.state != self.after.state}


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    return open_database(settings.database_url)


def database_status(settings: Settings) -> SchemaStatus:
    engine = _engine(settings)
    try:
        return schema_status(engine)
    except SQLAlchemyError as exc:
        raise database_failure(exc, settings.database_url) from None
    finally:
        engine.dispose()


def _check_backup_dir(directory: Path) -> Path:
    """A directory the copy can go into: refused (exit 2/3) before anything is copied."""
    text = str(directory)
    if not text.strip() or text == ".":
        raise InvalidInput("--backup-dir must name a directory", field="backup_dir")
    path = Path(os.path.abspath(directory))
    if path.is_relative_to("/proc") or path.is_relative_to("/sys") or \
            path.is_relative_to("/dev"):
        raise InvalidInput(f"--backup-dir {path} is a system directory", field="backup_dir")
    if path.exists() and not path.is_dir():
        raise InvalidFile(f"--backup-dir {path} exists and is not a directory",
                          field="backup_dir")
    missing = []
    parent = path
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    if not parent.is_dir():
        raise InvalidFile(f"--backup-dir: {parent} is not a directory", field="backup_dir")
    try:
        for d in reversed(missing):  # every directory made here is 0700
            d.mkdir(mode=0o700)
            os.chmod(d, 0o700)
    except OSError as exc:
        raise InvalidFile(f"cannot create the backup directory {path}: "
                          f"{exc.strerror or exc}", field="backup_dir") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InvalidFile(f"cannot write into the backup directory {path}",
                          field="backup_dir")
    return path


def upgrade_database(settings: Settings, *, backup: bool = True,
                     backup_dir: Path | None = None, force: bool = False) -> UpgradeResult:
    """Apply every pending migration; unless ``backup`` is false, copy the database into
    ``backup_dir`` (default ``$CERTYARD_HOME/backups``) first. A database made by newer
    code, or one with tables but no schema version, is refused before anything is copied or
    changed; so is a missing SQLite file next to an existing master key file (wrong home or
    lost volume?) unless ``force``. A failed migration names the backup to restore."""
    url = settings.database_url
    check_url(url)
    path = sqlite_file(url)
    if (path is not None and not force and not path.exists()
            and settings.master_key_file.exists()):
        raise NotInitialised(f"the master key {settings.master_key_file} exists but there is "
                             f"no database at {path}: wrong home or lost volume? Restore the "
                             "database, or pass --force to start an empty one")
    if backup_dir is not None:
        backup_dir = _check_backup_dir(backup_dir)
    engine = _engine(settings)
    copy = None
    migrating = False
    try:
        before = schema_status(engine)
        if before.state in ("ahead", "unversioned"):
            check_schema(engine)  # raises SchemaMismatch naming what to do
        if backup and before.state == "behind":
            directory = backup_dir or _check_backup_dir(settings.home / "backups")
            try:
                copy = backup_database(engine, directory)
            except OSError as exc:
                raise InvalidFile(f"cannot write the backup into {directory}: "
                                  f"{exc.strerror or exc}; nothing was changed",
                                  field="backup_dir") from None
        if before.state != "current":
            migrating = True
            migrate(engine, upgrade=True)
            migrating = False
        return UpgradeResult(before=before, after=schema_status(engine), backup=copy)
    except SQLAlchemyError as exc:
        if not migrating:
            raise database_failure(exc, url) from None
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
        where = (f"restore the backup {copy}" if copy else
                 "restore a backup (none was taken: --no-backup)")
        raise ExternalServiceError(f"the upgrade failed: {detail}; the schema does not match "
                                   f"its recorded version (damaged?): {where}") from None
    finally:
        engine.dispose()
