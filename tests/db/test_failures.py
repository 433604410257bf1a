"""A database certyard cannot use (damaged file, bad URL, unreachable server, dropped or
stepped-back schema version, lost volume) is one clear line with the exit code of its cause
in ``db status``, ``db upgrade``, ``cert list`` and ``doctor``; the database files are 0600."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.web.server import free_port


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    res = run_cli({"CERTYARD_HOME": str(h)}, "init")
    assert res.code == 0, res.stderr
    return h


def _one_line(res) -> str:  # type: ignore[no-untyped-def]
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr and "unexpected" not in res.stderr, \
        res.stderr
    return " ".join(res.stderr.split())


def _doctor(env: dict[str, str]) -> dict:  # type: ignore[type-arg]
    res = run_cli(env, "doctor", "--no-urls", "--json")
    assert res.code == 1, res.stderr
    return {f["check"]: f for f in res.json()["findings"]}


def test_database_files_are_owner_only_and_doctor_checks_the_mode(home: Path) -> None:
    for name in ("certyard.db", "certyard.db-wal", "certyard.db-shm"):
        if (home / name).exists():
            assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    env = {"CERTYARD_HOME": str(home)}
    os.chmod(home / "certyard.db", 0o644)
    found = _doctor(env)["database_mode"]
    assert found["severity"] == "error" and found["fix"] == f"chmod 600 {home / 'certyard.db'}"
    assert run_cli(env, "cert", "list").code == 0  # the next connection makes it 0600 again
    assert stat.S_IMODE((home / "certyard.db").stat().st_mode) == 0o600


def test_status_lists_applied_like_expected(home: Path) -> None:
    res = run_cli({"CERTYARD_HOME": str(home)}, "db", "status", "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["state"] == "current" and doc["applied"] == doc["expected"]
    assert "f0001" in doc["applied"] and doc["pending"] == []


def test_corrupt_file(home: Path) -> None:
    (home / "certyard.db").write_bytes(os.urandom(40000))
    for name in ("certyard.db-wal", "certyard.db-shm"):
        (home / name).unlink(missing_ok=True)
    env = {"CERTYARD_HOME": str(home)}
    for args in (("db", "status"), ("db", "upgrade"), ("cert", "list")):
        res = run_cli(env, *args)
        assert res.code == 3 and "damaged or not a SQLite database" in _one_line(res), args
    assert "restore a backup" in _doctor(env)["database"]["fix"]


@pytest.mark.parametrize("url", ["notaurl", "mysql://u@localhost/x", "sqlite+nosuch:///x"])
def test_bad_database_url(home: Path, url: str) -> None:
    env = {"CERTYARD_HOME": str(home), "CERTYARD_DATABASE_URL": url}
    for args in (("db", "status"), ("db", "upgrade"), ("cert", "list")):
        res = run_cli(env, *args)
        assert res.code == 2 and "is not one certyard supports" in _one_line(res), args
    assert "correct CERTYARD_DATABASE_URL" in _doctor(env)["database"]["fix"]


def test_unreachable_postgresql(home: Path) -> None:
    env = {"CERTYARD_HOME": str(home),
           "CERTYARD_DATABASE_URL": f"postgresql://certyard@127.0.0.1:{free_port()}/none"}
    for args in (("db", "status"), ("db", "upgrade"), ("cert", "list")):
        res = run_cli(env, *args)
        assert res.code == 8 and "is not reachable" in _one_line(res), args
    assert _doctor(env)["database"]["fix"].startswith("start the database server")


def test_dropped_schema_version_is_not_empty(home: Path) -> None:
    with sqlite3.connect(home / "certyard.db") as conn:
        conn.execute("DROP TABLE alembic_version")
    env = {"CERTYARD_HOME": str(home)}
    res = run_cli(env, "db", "status")
    assert res.code == 1 and "tables exist but no schema version" in res.stdout
    for args in (("db", "upgrade"), ("init",), ("cert", "list")):
        res = run_cli(env, *args)
        assert res.code == 7 and "no schema version" in _one_line(res), args
    assert not (home / "backups").exists()
    assert _doctor(env)["schema"]["fix"] == "restore a backup of the database"


def test_stepped_back_version_names_the_backup(home: Path) -> None:
    with sqlite3.connect(home / "certyard.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num='monitor0001' "
                     "WHERE version_num='monitor0002'")
    res = run_cli({"CERTYARD_HOME": str(home)}, "db", "upgrade")
    backups = list((home / "backups").iterdir())
    assert res.code == 8 and len(backups) == 1
    line = _one_line(res)
    assert "the upgrade failed" in line and f"restore the backup {backups[0]}" in line


def test_missing_database_next_to_a_master_key(home: Path) -> None:
    (home / "certyard.db").unlink()
    env = {"CERTYARD_HOME": str(home)}
    res = run_cli(env, "db", "upgrade")
    assert res.code == 7 and "wrong home or lost volume" in _one_line(res)
    assert not (home / "certyard.db").exists()
    res = run_cli(env, "db", "status")
    assert res.code == 7 and not (home / "certyard.db").exists()
    assert run_cli(env, "db", "upgrade", "--force").code == 0


def test_home_that_does_not_exist_is_not_created(tmp_path: Path) -> None:
    env = {"CERTYARD_HOME": str(tmp_path / "nothing")}
    for args in (("db", "status"), ("doctor",), ("doctor", "--json")):
        assert run_cli(env, *args).code == 7, args
    assert not (tmp_path / "nothing").exists()


def test_backup_dir_validated(home: Path, tmp_path: Path) -> None:
    env = {"CERTYARD_HOME": str(home)}
    afile = tmp_path / "afile"
    afile.write_text("x")
    for value, code in ((str(afile), 3), ("/proc/1/x", 2), ("", 2), (f"{afile}/sub", 3)):
        res = run_cli(env, "db", "upgrade", "--backup-dir", value)
        assert res.code == code and "backup" in _one_line(res), value
    deep = tmp_path / "b1" / "b2" / "b3"
    assert run_cli(env, "db", "upgrade", "--backup-dir", str(deep)).code == 0
    for d in (tmp_path / "b1", tmp_path / "b1" / "b2", deep):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d


def test_init_and_serve_refuse_a_lost_database(home: Path) -> None:
    (home / "certyard.db").unlink()
    env = {"CERTYARD_HOME": str(home)}
    for args in (("init",), ("serve", "--host", "127.0.0.1", "--https-port", "1")):
        res = run_cli(env, *args)
        assert res.code == 7 and "wrong home or lost volume" in res.stderr, (args, res.stderr)
    assert not (home / "certyard.db").exists()
    assert run_cli(env, "init", "--force").code == 0
    assert (home / "certyard.db").exists()


@pytest.mark.parametrize("damage", [
    "INSERT INTO alembic_version VALUES ('ca0002')",  # an ancestor of a recorded head
    "INSERT INTO alembic_version VALUES ('f0001')",   # the foundation the branches imply
    "DROP TABLE alembic_version; CREATE TABLE alembic_version (version_num VARCHAR(32));"
    " INSERT INTO alembic_version VALUES (NULL)",
    "INSERT INTO alembic_version VALUES ('')",
    "DROP TABLE alembic_version; CREATE TABLE alembic_version (foo TEXT)",
], ids=["overlap", "foundation", "null", "empty", "no-column"])
def test_a_damaged_version_table_is_unversioned_not_an_internal_error(home: Path,
                                                                       damage: str) -> None:
    with sqlite3.connect(home / "certyard.db") as conn:
        conn.executescript(damage)
    before = (home / "certyard.db").read_bytes()
    env = {"CERTYARD_HOME": str(home)}
    res = run_cli(env, "db", "status", "--json")
    assert res.code == 1 and res.json()["state"] == "unversioned", res.stdout + res.stderr
    for args in (("db", "upgrade"), ("init",), ("cert", "list"), ("node", "list", "--json")):
        res = run_cli(env, *args)
        assert res.code == 7 and "no schema version" in _one_line(res), args
    assert (home / "certyard.db").read_bytes() == before
    assert not (home / "backups").exists()


def test_another_programs_database_is_left_as_it_is(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = home / "certyard.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("INSERT INTO recipes VALUES ('bread')")
    os.chmod(db, 0o644)
    before = db.read_bytes()
    env = {"CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": "a" * 43 + "="}
    for args in (("db", "upgrade"), ("init",), ("node", "list")):
        res = run_cli(env, *args)
        assert res.code == 7 and "no schema version" in _one_line(res), args
    assert db.read_bytes() == before and stat.S_IMODE(db.stat().st_mode) == 0o644
    assert not (home / "certyard.db-wal").exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
