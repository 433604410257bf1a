"""Shared fixtures: a real PostgreSQL server, per-test databases on SQLite and PostgreSQL,
an AppContext, a fixed clock and the CLI."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from certyard.clock import FixedClock
from certyard.config import Settings
from certyard.context import AppContext, open_context
from certyard.db import create_db_engine, migrate
from tests.support import remember
from tests.support.cli import CliResult, run_cli
from tests.support.dns import dns_server  # noqa: F401  (BIND 9 fixture, tests/support/dns.py)
from tests.support.peers import in_ci, require_peer
from tests.support.postgres import PostgresServer, find_pg_bin

BACKENDS = ["sqlite", "postgresql"]

# Real argon2id/PBKDF2 hashes and node keys, computed once per test process
# (tests/support/remember.py).
remember.install()


@pytest.fixture(autouse=True)
def _fresh_node_keys() -> None:
    remember.new_test()


# Hypothesis: derandomized with a fixed budget in CI (same examples every run, so a red run
# is the code's fault, not the seed's); random locally; long and random in scripts/fuzz.sh.
settings.register_profile("ci", derandomize=True, deadline=None, database=None,
                          print_blob=True, max_examples=100)
settings.register_profile("dev", deadline=None)
settings.register_profile("fuzz", deadline=None, derandomize=False,
                          max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")))
settings.load_profile(os.environ.get("CERTYARD_HYPOTHESIS_PROFILE")
                      or ("ci" if in_ci() else "dev"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@requires_peer(...)``: skip without the peer, fail under CI (tests/support/peers)."""
    for mark in item.iter_markers("requires_peer"):
        require_peer(mark.kwargs["available"], mark.kwargs["peer"],
                     install=mark.kwargs["install"])
_counter = itertools.count()
MASTER_KEY = base64.b64encode(b"k" * 32).decode()


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a maintenance database on a real PostgreSQL server."""
    if os.environ.get("CERTYARD_TEST_PG_URL"):
        yield os.environ["CERTYARD_TEST_PG_URL"]
        return
    require_peer(find_pg_bin() is not None, "PostgreSQL", install="apt-get install postgresql")
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> str:
    """A migrated template database; each test clones it (fast)."""
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")
    name = f"certyard_tpl_{worker}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    eng = create_db_engine(url)
    migrate(eng)
    eng.dispose()
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    eng = create_db_engine(f"sqlite:///{path}")
    migrate(eng)
    eng.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


def make_database_url(request: pytest.FixtureRequest, backend: str, home: Path) -> str:
    if backend == "sqlite":
        tpl: Path = request.getfixturevalue("sqlite_template")
        target = home / "certyard.db"
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(tpl, target)
        return f"sqlite:///{target}"
    admin_url: str = request.getfixturevalue("pg_admin_url")
    tpl_name: str = request.getfixturevalue("pg_template")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")
    name = f"t_{worker}_{next(_counter)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        # FILE_COPY copies the template's files: 4x faster than PostgreSQL 15's default,
        # which writes the whole database through the WAL.
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tpl_name}" STRATEGY FILE_COPY'))
    admin.dispose()

    def drop() -> None:
        """Dropped when its user ends, so the server's data stays small (hundreds of
        test databases otherwise leave gigabytes to delete at the end of the session)."""
        eng = create_engine(admin_url, isolation_level="AUTOCOMMIT",
                            connect_args={"connect_timeout": 5})
        try:
            with eng.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception:  # a server a test stopped: nothing to drop
            pass
        finally:
            eng.dispose()

    request.addfinalizer(drop)
    return admin_url.rsplit("/", 1)[0] + f"/{name}"



@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def db_url(request: pytest.FixtureRequest, backend: str, home: Path) -> str:
    return make_database_url(request, backend, home)


@pytest.fixture
def env(home: Path, db_url: str) -> dict[str, str]:
    """Environment for the CLI and servers: a fresh home and database."""
    return {"CERTYARD_HOME": str(home), "CERTYARD_DATABASE_URL": db_url,
            "CERTYARD_MASTER_KEY": MASTER_KEY}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime.now(dt.timezone.utc).replace(microsecond=0))


@pytest.fixture
def ctx(env: dict[str, str], clock: FixedClock) -> Iterator[AppContext]:
    c = open_context(Settings.from_env(env), clock=clock)
    yield c
    c.engine.dispose()


@pytest.fixture
def cli(env: dict[str, str]):  # type: ignore[no-untyped-def]
    def run(*args: str, stdin: bytes = b"") -> CliResult:
        return run_cli(env, *args, stdin=stdin)

    return run
