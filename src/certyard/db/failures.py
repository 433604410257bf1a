"""A database that cannot be used, said in one line with the fix that matches the cause.

``database_failure`` turns what SQLAlchemy, the DB-API driver or the OS raised into a typed
error (``reason`` and ``fix`` attributes set):

- ``bad_database_url`` (InvalidInput, exit 2): not a URL, or a scheme certyard does not
  support (only ``sqlite:///PATH`` and ``postgresql://...``);
- ``database_corrupt`` (InvalidFile, exit 3): the SQLite file is not a database;
- ``database_permissions`` (InvalidFile, exit 3): the file or its directory cannot be
  read or written by this user;
- ``database_unreachable`` (ExternalServiceError, exit 8): the server does not answer or
  refuses the login.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from certyard.errors import CertyardError, ExternalServiceError, InvalidFile, InvalidInput

__all__ = ["SUPPORTED", "check_url", "database_failure", "open_database", "sqlite_file"]

SUPPORTED = ("sqlite", "postgresql")
URL_FIX = ("correct CERTYARD_DATABASE_URL (sqlite:///PATH or "
           "postgresql://USER@HOST:PORT/DATABASE)")


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show it without anything after an @
        return url.rsplit("@", 1)[-1][:80]


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL, memory or a non-URL)."""
    try:
        u = make_url(url)
    except ArgumentError:
        return None
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _typed(exc: CertyardError, reason: str, fix: str) -> CertyardError:
    exc.reason = reason  # type: ignore[attr-defined]
    exc.fix = fix  # type: ignore[attr-defined]
    return exc


def check_url(url: str) -> None:
    try:
        u = make_url(url)
        backend = u.get_backend_name()
        u.get_dialect()  # an unknown driver ("sqlite+nosuch") fails here
    except (ArgumentError, NoSuchModuleError, ImportError):
        backend = None
    if backend not in SUPPORTED:
        raise _typed(InvalidInput(f"database URL {_shown(url)!r} is not one certyard "
                                  "supports (sqlite:///PATH or postgresql://...)",
                                  field="database_url"), "bad_database_url", URL_FIX)


def database_failure(exc: BaseException, url: str) -> CertyardError:
    """The typed error for ``exc`` raised while opening or reading the database at ``url``."""
    if isinstance(exc, CertyardError):
        return exc
    if isinstance(exc, ArgumentError | NoSuchModuleError):
        try:
            check_url(url)
        except CertyardError as typed:
            return typed
    shown = _shown(url)
    detail = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
    low = detail.lower()
    path = sqlite_file(url)
    if path is not None:
        if "not a database" in low or "malformed" in low or "corrupt" in low:
            return _typed(InvalidFile(f"database file {path} is damaged or not a SQLite "
                                      f"database ({detail})", field="database_url"),
                          "database_corrupt",
                          f"restore a backup of the database (e.g. from {path.parent}/backups) "
                          "after stopping certyard")
        if (isinstance(exc, PermissionError) or "readonly" in low or "read-only" in low
                or "unable to open" in low or "permission" in low):
            return _typed(InvalidFile(f"database file {path} cannot be opened or written by "
                                      f"this user ({detail})", field="database_url"),
                          "database_permissions",
                          f"fix permissions: the service user must own {path.parent} "
                          f"(chown -R certyard {path.parent}; chmod 700 {path.parent})")
    return _typed(ExternalServiceError(f"database {shown} is not reachable: {detail}"),
                  "database_unreachable",
                  "start the database server, or " + URL_FIX)


def open_database(url: str, *, probe: bool = True) -> Engine:
    """An engine for ``url`` that has answered once (``probe``), or a typed error."""
    from certyard.db.engine import create_db_engine

    check_url(url)
    try:
        engine = create_db_engine(url)
    except (SQLAlchemyError, OSError) as exc:
        raise database_failure(exc, url) from None
    if probe:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM sqlite_master" if
                                  engine.dialect.name == "sqlite" else "SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            engine.dispose()
            raise database_failure(exc, url) from None
    return engine
