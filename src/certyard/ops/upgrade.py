"""``certyard db status`` and ``certyard db upgrade``: where the schema stands, and bringing
an existing database to this code's heads after a copy of it was taken."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from certyard.config import Settings
from certyard.db import create_db_engine, migrate
from certyard.db.schema import SchemaStatus, backup_database, check_schema, schema_status

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
    return create_db_engine(settings.database_url)


def database_status(settings: Settings) -> SchemaStatus:
    engine = _engine(settings)
    try:
        return schema_status(engine)
    finally:
        engine.dispose()


def upgrade_database(settings: Settings, *, backup: bool = True,
                     backup_dir: Path | None = None) -> UpgradeResult:
    """Apply every pending migration; unless ``backup`` is false, copy the database into
    ``backup_dir`` (default ``$CERTYARD_HOME/backups``) first. A database made by newer
    code is refused before anything is copied or changed."""
    engine = _engine(settings)
    try:
        before = schema_status(engine)
        if before.state == "ahead":
            check_schema(engine)  # raises SchemaMismatch(reason="schema_ahead")
        copy = None
        if backup and before.state == "behind":
            copy = backup_database(engine, backup_dir or settings.home / "backups")
        if before.state != "current":
            migrate(engine, upgrade=True)
        return UpgradeResult(before=before, after=schema_status(engine), backup=copy)
    finally:
        engine.dispose()
