"""Finding 20 (part): certyard.db and its -wal/-shm files are readable by their owner only,
also when the home was created beforehand with mode 0755 and under a permissive umask."""

from __future__ import annotations

import os
import stat

import pytest

from certyard.config import Settings
from certyard.context import open_context
from tests.conftest import MASTER_KEY


@pytest.fixture
def backend():  # type: ignore[no-untyped-def]
    return "sqlite"  # the files exist only there


def test_database_and_wal_files_are_0600_in_a_0755_home(tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    old = os.umask(0o022)
    try:
        ctx = open_context(Settings.from_env({"CERTYARD_HOME": str(home),
                                              "CERTYARD_MASTER_KEY": MASTER_KEY}))
        try:
            from certyard import accounts

            accounts.create_user(ctx, "alice", role="Read-only", password="Sturdy-Pass-42")
            with ctx.engine.connect() as c:  # a live connection keeps -wal and -shm
                c.exec_driver_sql("SELECT 1")
                files = [p for p in home.iterdir() if p.name.startswith("certyard.db")]
                assert {p.name for p in files} >= {"certyard.db", "certyard.db-wal",
                                                   "certyard.db-shm"}
                for p in files:
                    assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        finally:
            ctx.engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_world_readable_database_is_tightened(tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    env = {"CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY}
    ctx = open_context(Settings.from_env(env))
    ctx.engine.dispose()
    db = home / "certyard.db"
    os.chmod(db, 0o644)
    ctx = open_context(Settings.from_env(env))
    ctx.engine.dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
