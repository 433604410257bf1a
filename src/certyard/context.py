"""The application context every service function receives: settings, database, master key,
clock and the acting principal. Built once per process by a delivery layer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from certyard.clock import Clock, SystemClock
from certyard.config import Settings
from certyard.db import migrate
from certyard.errors import NotInitialised
from certyard.sealing import MasterKey, load_or_create_master_key

__all__ = ["Actor", "AppContext", "check_initialised", "open_context"]

_HOW_TO_START = "run `certyard init` (or `certyard serve`) first"


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who acts, and from where: recorded in the audit trail."""

    name: str = "cli"
    source: str = "local"
    role: str = "System Administrator"


@dataclass(frozen=True, kw_only=True)
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    master_key: MasterKey
    clock: Clock = field(default_factory=SystemClock)
    actor: Actor = field(default_factory=Actor)
    # The session of the unit of work this context belongs to (see unit_of_work).
    uow_session: Session | None = field(default=None, repr=False, compare=False)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed as a whole or not at all. Inside a unit of work it
        is the unit's session, committed when the unit ends."""
        if self.uow_session is not None:
            yield self.uow_session
            return
        with self.sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        if self.uow_session is not None:  # sees what the unit of work wrote so far
            yield self.uow_session
            return
        with self.sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[AppContext]:
        """A workflow across rooms that commits once: service functions called with the
        yielded context run in one transaction, committed when the block ends and rolled
        back as a whole when anything in it raises. Nested units join the outer one."""
        if self.uow_session is not None:
            yield self
            return
        with self.sessions() as session, session.begin():
            yield replace(self, uow_session=session)

    def acting_as(self, actor: Actor) -> AppContext:
        return replace(self, actor=actor)


def _sqlite_path(url: str) -> str | None:
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return None if not path or path == ":memory:" else path


def check_initialised(settings: Settings) -> None:
    """Raise NotInitialised when the store or the master key does not exist yet, without
    creating anything: read-only commands never leave state behind."""
    from pathlib import Path

    from certyard.db.failures import check_url

    check_url(settings.database_url)  # a URL certyard cannot use: exit 2, not "no database"
    path = _sqlite_path(settings.database_url)
    if path is not None and not Path(path).is_file():
        raise NotInitialised(f"certyard is not initialised here (no database at {path}); "
                             f"{_HOW_TO_START}")
    if not settings.master_key_b64 and not settings.master_key_file.exists():
        raise NotInitialised(f"certyard is not initialised here (no master key at "
                             f"{settings.master_key_file}); {_HOW_TO_START}")


def _check_schema(engine: Engine) -> None:
    from sqlalchemy import inspect

    tables = set(inspect(engine).get_table_names())
    if "alembic_version" not in tables:
        if tables:  # tables but no version: damaged, or another program's database
            from certyard.db.schema import check_schema

            check_schema(engine)
        raise NotInitialised(f"the database has no certyard tables; {_HOW_TO_START}")


def open_context(
    settings: Settings | None = None, *, clock: Clock | None = None, actor: Actor | None = None,
    engine: Engine | None = None, create: bool = True, force_new_database: bool = False,
) -> AppContext:
    """The context for one process. ``create=False`` (read-only delivery paths) raises
    NotInitialised instead of creating a database, tables or a master key."""
    settings = settings or Settings.from_env()
    if not create:
        check_initialised(settings)
    else:
        path = _sqlite_path(settings.database_url)
        if (engine is None and path is not None and not force_new_database
                and not settings.master_key_b64 and settings.master_key_file.exists()
                and not Path(path).exists()):
            raise NotInitialised(f"the master key {settings.master_key_file} exists but there "
                                 f"is no database at {path}: wrong home or lost volume? "
                                 "Restore the database, or run `certyard init --force` to "
                                 "start an empty one with this key")
        try:
            settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            from certyard.errors import InvalidFile

            raise InvalidFile(f"CERTYARD_HOME {settings.home} cannot be created: "
                              f"{exc.strerror or exc}; choose a writable directory "
                              "(CERTYARD_HOME=...) or create it for this user",
                              field="home") from None
    from sqlalchemy.exc import SQLAlchemyError

    from certyard.db.failures import database_failure, open_database

    given = engine is not None
    engine = engine or open_database(settings.database_url)
    try:
        if not create:
            _check_schema(engine)
        migrate(engine)
    except (SQLAlchemyError, OSError) as exc:
        if not given:
            engine.dispose()
        raise database_failure(exc, settings.database_url) from None
    except NotInitialised:
        if not given:
            engine.dispose()
        raise
    key = load_or_create_master_key(
        env_value=settings.master_key_b64, key_file=settings.master_key_file, create=create
    )
    ctx = AppContext(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        master_key=key,
        clock=clock or SystemClock(),
        actor=actor or Actor(),
    )
    from certyard.audit import ensure_keyed_chain

    ensure_keyed_chain(ctx)  # once, on upgrade from the unkeyed audit chain
    install_hooks()
    return ctx


def install_hooks() -> None:
    """Wire the registries lower rooms own to the rooms above them, explicitly and in one
    place (never as a side effect of which module happened to be imported first):

    - ``store.upload_hooks``: the monitor's revocation check after every certificate upload;
    - ``ca.requests.REQUEST_DAYS_HOOKS``: the lifetime an ACME profile asks for, issued when
      an administrator approves the queued request without ``--days``.

    Idempotent; every context made by :func:`open_context` has them."""
    from certyard.acme import install_hooks as acme_hooks
    from certyard.monitor import install_hooks as monitor_hooks

    monitor_hooks()
    acme_hooks()
