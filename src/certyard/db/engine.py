"""Engines for SQLite (WAL) and PostgreSQL, and migrations to the newest schema.

Each room owns an Alembic branch (``branch_labels``) that ``depends_on`` the foundation
revision, so rooms add tables without editing each other's migrations; ``upgrade heads``
applies them all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:  # alembic loads only to migrate (db/heads.py)
    from alembic.config import Config

__all__ = ["alembic_config", "create_db_engine", "migrate", "needs_migration", "snapshot"]

# Execution option of a read-only transaction: on SQLite it begins DEFERRED (a WAL reader
# neither waits for nor blocks the writer) instead of IMMEDIATE.
READ_ONLY = "certyard_read_only"

MIGRATIONS = Path(__file__).parent / "migrations"


def _private_files(path: str) -> None:
    """The database and its -wal/-shm hold every sealed key and the audit trail: owner only,
    whatever the umask or the home's mode (a pre-created 0755 home included)."""
    for p in (path, path + "-wal", path + "-shm", path + "-journal"):
        try:
            if os.stat(p).st_mode & 0o077:
                os.chmod(p, 0o600)
        except FileNotFoundError:
            continue
        except PermissionError:  # someone else's file: SQLite will say what is wrong
            continue


def _ours(cur: Any) -> bool:
    """A database certyard may set up (WAL mode, owner-only files): already in WAL mode,
    empty, or holding certyard's version table. Another program's database is left as it
    is: the schema check then refuses it without having changed its journal or its mode."""
    row = cur.execute("PRAGMA journal_mode").fetchone()
    if row and str(row[0]).lower() == "wal":
        return True
    names = {r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return not names or "alembic_version" in names


def _create_private(path: str) -> None:
    """Create the database file owner-only if it does not exist yet.

    Never open (and close) an existing database file here: closing any descriptor of a file
    drops every POSIX lock this process holds on it, so a second engine in a process that
    already has connections would silently release their WAL locks — another process could
    then delete the -wal/-shm under them ("disk I/O error"). O_EXCL opens nothing when the
    file is there."""
    old = os.umask(0o077)  # and the -wal/-shm SQLite makes later take the file's mode
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    finally:
        os.umask(old)
    os.close(fd)


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _create_private(path)
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=NullPool if path == ":memory:" else None,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # isolation_level=None lets SQLAlchemy's "begin" event issue BEGIN IMMEDIATE,
            # so writers queue on the lock instead of failing on upgrade from read to write.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            ours = _ours(cur)
            if ours and path and path != ":memory:":
                _private_files(path)  # before WAL mode makes the -wal/-shm with its mode
            if ours:
                cur.execute("PRAGMA journal_mode=WAL")
            # FULL: every commit is fsync'd before it returns (WAL with NORMAL can lose the
            # last commits on power loss); a CA must not hand out a certificate it forgets.
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            if ours and path and path != ":memory:":
                _private_files(path)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _pg_durable(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # A commit returns only once its WAL record is flushed to disk on the server, even
        # when the server's or the role's default says otherwise.
        if engine.dialect.name == "postgresql":
            cur = dbapi_conn.cursor()
            cur.execute("SET synchronous_commit TO on")
            cur.close()
            dbapi_conn.commit()

    return engine


@contextlib.contextmanager
def snapshot(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only transaction for hot paths (token and allowlist checks on every request):
    on SQLite it never queues behind a writer's lock, fsync included. Writing in it is a
    bug (it may fail when another connection wrote meanwhile)."""
    with sessions() as s, s.begin():
        s.connection(execution_options={READ_ONLY: True})
        yield s


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def needs_migration(engine: Engine) -> bool:
    from certyard.db.schema import schema_status

    return schema_status(engine).state != "current"


def migrate(engine: Engine, *, upgrade: bool = False) -> None:
    """Bring a fresh database to every head; cheap when already there.

    A database made by older code is upgraded only when ``upgrade`` is true (``certyard db
    upgrade``, which takes a backup first); otherwise, like a database made by newer code,
    it raises ``SchemaMismatch`` naming the command to run.
    """
    from certyard.db.schema import check_schema, schema_status

    state = schema_status(engine).state
    if state == "current":
        return
    if state in ("ahead", "unversioned") or (state == "behind" and not upgrade):
        check_schema(engine)  # raises SchemaMismatch naming the command to run
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two processes migrating at once must not interleave.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7426001)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
