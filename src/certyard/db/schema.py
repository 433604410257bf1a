"""Where a database's schema stands against the code's migration heads, and the copy taken
before an upgrade.

States (``SchemaStatus.state``):

- ``empty``: no revision applied yet (a fresh install; migrating it is always safe);
- ``current``: every head of the code is applied and nothing unknown is;
- ``behind``: the database was made by older code; ``certyard db upgrade`` brings it up;
- ``ahead``: the database holds revisions this code does not know (it was upgraded by newer
  code); run the newer code, or restore the backup taken before that upgrade;
- ``unversioned``: tables exist but no revision is recorded (``alembic_version`` dropped or
  emptied, or not a certyard database): nothing migrates it; restore a backup.

``SchemaMismatch`` (a ``NotInitialised``: exit 7, HTTP 503) carries ``reason`` =
``schema_behind`` | ``schema_ahead`` | ``schema_unversioned`` and the command that fixes it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, exc, text

from certyard.db.heads import HEADS, RECORDED
from certyard.errors import ExternalServiceError, NotInitialised

if TYPE_CHECKING:  # alembic loads only when the schema is not simply current
    from alembic.script import ScriptDirectory

__all__ = ["SchemaMismatch", "SchemaStatus", "backup_database", "check_schema",
           "schema_status"]


class SchemaMismatch(NotInitialised):
    code = "schema_mismatch"

    def __init__(self, message: str, *, reason: str, fix: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.fix = fix


@dataclass(frozen=True, kw_only=True)
class SchemaStatus:
    state: str  # empty | current | behind | ahead | unversioned
    current: tuple[str, ...]  # revisions recorded in the database (alembic_version rows)
    applied: tuple[str, ...]  # the code's heads the database has (recorded or implied)
    expected: tuple[str, ...]  # the code's heads
    pending: tuple[str, ...]  # revisions the code has and the database lacks
    unknown: tuple[str, ...]  # revisions the database has and the code lacks

    def to_dict(self) -> dict[str, object]:
        return {"state": self.state, "current": list(self.current),
                "applied": list(self.applied),
                "expected": list(self.expected), "pending": list(self.pending),
                "unknown": list(self.unknown)}


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    from certyard.db.engine import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def schema_status(engine: Engine) -> SchemaStatus:
    """Compare the database's applied revisions with the code's heads. A branch's
    ``depends_on`` target (``f0001``) is implied by the rows, not a row itself. A version
    table that cannot be read, or holds empty, NULL or overlapping rows, is ``unversioned``
    (damaged): nothing migrates it."""
    rows = _version_rows(engine)
    names = [r for r in rows or () if isinstance(r, str) and r]
    clean = rows is not None and len(names) == len(rows)
    if clean and tuple(sorted(names)) == RECORDED:  # the usual case, answered without
        return SchemaStatus(state="current", current=RECORDED,  # alembic (db/heads.py)
                            applied=HEADS, expected=HEADS, pending=(), unknown=())
    script = _script()
    expected = tuple(sorted(script.get_heads()))
    known = {r.revision for r in script.walk_revisions()}
    if not clean:
        # The version table is there but unreadable, or holds empty/NULL rows: damaged.
        return _unversioned(rows, expected, known)
    current = tuple(sorted(names))
    unknown = tuple(r for r in current if r not in known)
    applied: set[str] = set()
    if not current:
        from sqlalchemy import inspect

        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        state = "unversioned" if tables else "empty"
        pending = tuple(sorted(known))
    else:
        try:
            applied = ({r.revision for r in script.iterate_revisions(
                tuple(r for r in current if r in known), "base")}
                if len(unknown) < len(current) else set())
        except Exception:  # alembic's RevisionError: rows that overlap (a revision and its
            return _unversioned(names, expected, known)  # ancestor): damaged, not a state
        pending = tuple(sorted(known - applied))
        if unknown:
            state = "ahead"
        elif pending:
            state = "behind"
        else:
            state = "current"
    heads_applied = tuple(h for h in expected if h in applied) + unknown
    return SchemaStatus(state=state, current=current, applied=heads_applied,
                        expected=expected, pending=pending, unknown=unknown)


def _unversioned(rows: list[object] | list[str] | None, expected: tuple[str, ...],
                 known: set[str]) -> SchemaStatus:
    current = tuple(sorted(str(r) for r in rows or () if r is not None))
    return SchemaStatus(state="unversioned", current=current, applied=(), expected=expected,
                        pending=tuple(sorted(known)), unknown=())


def _version_rows(engine: Engine) -> list[object] | None:
    """The ``alembic_version`` rows as stored ([] when the table does not exist: a fresh or
    foreign database); None when the table exists but cannot be read (damaged)."""
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version"))
                        .scalars())
    except exc.DBAPIError:
        from sqlalchemy import inspect

        if inspect(engine).has_table("alembic_version"):
            return None
        return []


def check_schema(engine: Engine, *, allow_empty: bool = True) -> SchemaStatus:
    """Raise ``SchemaMismatch`` unless the schema is what this code expects."""
    st = schema_status(engine)
    if st.state == "behind":
        raise SchemaMismatch(
            "the database schema is older than this version of certyard expects "
            f"({len(st.pending)} migration(s) pending: {', '.join(st.pending)}); run "
            "`certyard db upgrade` (it takes a backup first), see `certyard db status`",
            reason="schema_behind", fix="certyard db upgrade")
    if st.state == "ahead":
        raise SchemaMismatch(
            "the database schema is newer than this version of certyard knows (unknown "
            f"revision(s): {', '.join(st.unknown)}); run the certyard version that upgraded "
            "it, or restore the backup taken before the upgrade; see `certyard db status`",
            reason="schema_ahead", fix="install the newer certyard (or restore the backup)")
    if st.state == "unversioned":
        raise SchemaMismatch(
            "the database has tables but no schema version: not a certyard database, or a "
            "damaged one; restore a backup (nothing was changed)",
            reason="schema_unversioned", fix="restore a backup of the database")
    if st.state == "empty" and not allow_empty:
        raise SchemaMismatch("the database has no schema yet; run `certyard db upgrade`",
                             reason="schema_empty", fix="certyard db upgrade")
    return st


def backup_database(engine: Engine, directory: Path, *, label: str = "pre-upgrade") -> Path:
    """A copy of the whole database as it is now, into ``directory`` (mode 0600): the
    SQLite online-backup API for SQLite, ``pg_dump --format=custom`` for PostgreSQL. It is
    taken below the ORM, so it holds the old schema exactly (restore with ``cp`` or
    ``pg_restore --clean``)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    url = engine.url
    if url.get_backend_name() == "sqlite":
        target = directory / f"certyard-{label}-{stamp}.db"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        src = sqlite3.connect(url.database or "")
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return target
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise ExternalServiceError("pg_dump is not installed, so no backup can be taken; "
                                   "install the PostgreSQL client tools, or take your own "
                                   "backup and run `certyard db upgrade --no-backup`")
    target = directory / f"certyard-{label}-{stamp}.pgdump"
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # never on the command line
    args = [pg_dump, "--format=custom", "--no-owner", f"--file={target}",
            f"--dbname={url.set(drivername='postgresql', password=None).render_as_string()}"]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False,
                          timeout=3600)
    if proc.returncode != 0:
        target.unlink(missing_ok=True)
        detail = " ".join(proc.stderr.split())[:300]
        raise ExternalServiceError(f"pg_dump failed: {detail}; nothing was changed")
    os.chmod(target, 0o600)
    return target
