"""Upgrades keep data: a database written by a released certyard (tests/data/upgrade, made by
make_fixture.py) is upgraded by this code, and every certificate, key, request, setting,
user and audit record is still there, keys open under the fixture's master key and the audit
chain verifies. Expectations are read from the fixture itself before the upgrade, so the test
holds as new migrations land."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text

from certyard.config import Settings
from certyard.db import create_db_engine
from certyard.db.schema import schema_status
from tests.conftest import _counter
from tests.support.cli import run_cli
from tests.support.postgres import find_pg_bin

DATA = Path(__file__).resolve().parents[1] / "data" / "upgrade"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
# The tables whose rows must all survive (certificates, keys, requests, settings, audit ...).
KEPT = ("store_entry", "private_key", "ca_certificate", "ca_request", "ca_issued", "setting",
        "audit_event", "account_user", "node", "purpose")


def load_fixture(request: pytest.FixtureRequest, backend: str, home: Path) -> str:
    if backend == "sqlite":
        target = home / "certyard.db"
        shutil.copy(DATA / "certyard-sqlite.db", target)
        return f"sqlite:///{target}"
    admin_url: str = request.getfixturevalue("pg_admin_url")
    name = f"upg_{next(_counter)}_{id(home) % 100000}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    pg_bin = find_pg_bin()
    psql = str(pg_bin / "psql") if pg_bin and (pg_bin / "psql").exists() else "psql"
    subprocess.run([psql, "-v", "ON_ERROR_STOP=1", "-q", "-f",
                    str(DATA / "certyard-postgresql.sql"), url.replace("+psycopg", "")],
                   check=True, capture_output=True)
    return url


@pytest.fixture
def fixture_env(request: pytest.FixtureRequest, backend: str, home: Path) -> dict[str, str]:
    url = load_fixture(request, backend, home)
    return {"CERTYARD_HOME": str(home), "CERTYARD_DATABASE_URL": url,
            "CERTYARD_MASTER_KEY": MANIFEST["master_key"]}


def snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    # A plain engine: rows are read as stored, below certyard's session handling.
    engine = create_engine(Settings.from_env({"CERTYARD_DATABASE_URL": url,
                                              "CERTYARD_HOME": "/nonexistent"}).database_url)
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            for table in KEPT:
                pk = insp.get_pk_constraint(table)["constrained_columns"]
                rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY "
                                         + ", ".join(pk)))
                out[table] = [dict(r._mapping) for r in rows]
    finally:
        engine.dispose()
    return out


def test_fixture_was_made_by_released_code() -> None:
    assert MANIFEST["made_by"].startswith("certyard ")
    assert {"f0001", "ca0001", "accounts0001"} <= set(MANIFEST["heads"])


def test_upgrade_keeps_every_record(fixture_env: dict[str, str], backend: str) -> None:
    url = fixture_env["CERTYARD_DATABASE_URL"]
    before = snapshot(url)
    # The fixture is not trivially empty: each kind of record is there.
    assert len([r for r in before["store_entry"] if r["type"] == "identity"]) >= 3
    assert before["private_key"] and before["ca_issued"] and before["setting"]
    assert {r["state"] for r in before["ca_request"]} >= {"pending", "issued", "denied"}
    assert len(before["audit_event"]) >= 10
    assert any(r["name"] == "fixture-operator" for r in before["account_user"])

    res = run_cli(fixture_env, "db", "upgrade", "--json")
    assert res.code == 0, res.stderr
    report = res.json()
    assert report["after"]["state"] == "current"
    if report["before"]["state"] == "behind":  # new migrations since the fixture was made
        assert report["backup"] and Path(report["backup"]).exists()

    after = snapshot(url)
    for table, rows in before.items():
        got = {tuple(sorted((k, repr(v)) for k, v in r.items() if k in rows[0]))
               for r in after[table]}
        for row in rows:
            assert tuple(sorted((k, repr(v)) for k, v in row.items())) in got, (table, row)

    # Keys open under the fixture's master key; the audit chain verifies; services work.
    from certyard.context import open_context
    from certyard.db.models.store import PrivateKey
    from certyard.store.keystore import open_private_key

    ctx = open_context(Settings.from_env(fixture_env))
    try:
        with ctx.read() as s:
            keys = list(s.scalars(select(PrivateKey)))
            assert len(keys) == len(before["private_key"])
            for row in keys:
                assert open_private_key(ctx.master_key, row).public_key() is not None
    finally:
        ctx.engine.dispose()
    verify = run_cli(fixture_env, "audit", "verify", "--json")
    assert verify.code == 0, verify.stdout + verify.stderr
    listing = run_cli(fixture_env, "cert", "list", "--json")
    assert listing.code == 0, listing.stderr
    assert len(listing.json()) >= 3
    # A second upgrade is a no-op and takes no backup.
    again = run_cli(fixture_env, "db", "upgrade", "--json").json()
    assert again["before"]["state"] == "current" and again["backup"] is None


def _make_behind(url: str) -> None:
    """Step the monitor branch back one revision: the state an older release left."""
    from alembic import command

    from certyard.db.engine import alembic_config

    engine = create_db_engine(url)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "monitor0002@monitor0001")
    engine.dispose()


def test_older_schema_is_refused_until_db_upgrade(env: dict[str, str]) -> None:
    url = Settings.from_env(env).database_url
    _make_behind(url)
    engine = create_db_engine(url)
    assert schema_status(engine).state == "behind"
    engine.dispose()

    status = run_cli(env, "db", "status", "--json")
    assert status.code == 1 and status.json()["state"] == "behind"
    assert "monitor0002" in status.json()["pending"]
    refused = run_cli(env, "serve", "--https-port", "1", "--http-port", "0")
    assert refused.code == 7
    assert "certyard db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "ERROR certyard.server: not starting:" in refused.stderr
    assert "reason=schema_behind" in refused.stderr

    up = run_cli(env, "db", "upgrade")
    assert up.code == 0, up.stderr
    assert "Backup of the database before the upgrade:" in up.stdout
    backup = Path(up.stdout.split("upgrade:", 1)[1].split()[0])
    assert backup.exists() and backup.stat().st_mode & 0o077 == 0
    assert run_cli(env, "db", "status").code == 0


def test_no_backup_option(env: dict[str, str]) -> None:
    _make_behind(Settings.from_env(env).database_url)
    res = run_cli(env, "db", "upgrade", "--no-backup", "--json")
    assert res.code == 0 and res.json()["backup"] is None
    assert res.json()["after"]["state"] == "current"


def test_newer_schema_is_refused_and_not_touched(env: dict[str, str]) -> None:
    url = Settings.from_env(env).database_url
    engine = create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('zz9999')"))
    engine.dispose()
    status = run_cli(env, "db", "status", "--json")
    assert status.code == 1 and status.json()["unknown"] == ["zz9999"]
    for args in (("serve", "--https-port", "1"), ("db", "upgrade"), ("cert", "list")):
        res = run_cli(env, *args)
        assert res.code == 7, (args, res.stderr)
        assert "newer than this version" in res.stderr
    assert not (Path(env["CERTYARD_HOME"]) / "backups").exists()
