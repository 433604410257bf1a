"""The application context every service function receives: settings, database, master key,
clock and the acting principal. Built once per process by a delivery layer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from certyard.clock import Clock, SystemClock
from certyard.config import Settings
from certyard.db import create_db_engine, migrate
from certyard.vault import MasterKey, load_or_create_master_key

__all__ = ["Actor", "AppContext", "open_context"]


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

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed as a whole or not at all."""
        with self.sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def acting_as(self, actor: Actor) -> AppContext:
        return replace(self, actor=actor)


def open_context(
    settings: Settings | None = None, *, clock: Clock | None = None, actor: Actor | None = None,
    engine: Engine | None = None,
) -> AppContext:
    settings = settings or Settings.from_env()
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = engine or create_db_engine(settings.database_url)
    migrate(engine)
    key = load_or_create_master_key(
        env_value=settings.master_key_b64, key_file=settings.master_key_file
    )
    return AppContext(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        master_key=key,
        clock=clock or SystemClock(),
        actor=actor or Actor(),
    )
