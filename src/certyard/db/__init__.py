"""Storage: SQLAlchemy 2 models, Alembic migrations, engines and transactions."""

from __future__ import annotations

from certyard.db.base import Base, utcnow
from certyard.db.engine import create_db_engine, migrate, needs_migration, snapshot
from certyard.db.schema import SchemaMismatch

__all__ = ["Base", "SchemaMismatch", "create_db_engine", "migrate", "needs_migration",
           "snapshot", "utcnow"]
