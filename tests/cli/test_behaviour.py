"""What a person at the terminal gets: exit 7 and nothing created on a home that was never
set up, a --version that loads nothing, one JSON shape, option names in messages, the
operating-system user in the audit trail, and a one-line error for anything unexpected."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli


@pytest.fixture
def empty_home(tmp_path: Path) -> dict[str, str]:
    return {"CERTYARD_HOME": str(tmp_path / "home"), "CERTYARD_DATABASE_URL": "",
            "CERTYARD_MASTER_KEY": "", "CERTYARD_MASTER_KEY_FILE": ""}


READ_ONLY = [("cert", "list"), ("cert", "show", "1"), ("node", "list"), ("user", "list"),
             ("purpose", "list"), ("ca", "requests"), ("ca", "issued"), ("ca", "config"),
             ("monitor", "show"), ("audit", "list"), ("alarms", "list"), ("token", "list"),
             ("monitor", "metrics"), ("audit", "verify"), ("db", "status"), ("doctor",)]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_read_only_commands_on_an_uninitialised_home_exit_7_and_create_nothing(
        args: tuple[str, ...], empty_home: dict[str, str]) -> None:
    r = run_cli(empty_home, *args)
    assert r.code == 7, (r.stdout, r.stderr)
    assert "certyard init" in r.stderr and "certyard serve" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not Path(empty_home["CERTYARD_HOME"]).exists()


def test_uninitialised_error_under_json_is_the_json_error_shape(empty_home) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(empty_home, "node", "list", "--json")
    assert r.code == 7 and r.stdout == ""
    err = json.loads(r.stderr)["error"]
    assert err["code"] == "not_initialised" and "certyard init" in err["message"]
    assert set(err) >= {"code", "reason", "message"}


def test_an_empty_existing_database_is_not_initialised_either(tmp_path: Path) -> None:
    home = tmp_path / "h"
    home.mkdir()
    (home / "certyard.db").write_bytes(b"")
    env = {"CERTYARD_HOME": str(home), "CERTYARD_DATABASE_URL": "",
           "CERTYARD_MASTER_KEY": "", "CERTYARD_MASTER_KEY_FILE": ""}
    r = run_cli(env, "cert", "list")
    assert r.code == 7
    assert sorted(p.name for p in home.iterdir()) == ["certyard.db"]


def test_init_creates_the_home_then_read_only_commands_work(empty_home) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(empty_home, "init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    home = Path(empty_home["CERTYARD_HOME"])
    assert (home / "certyard.db").is_file() and (home / "master.key").is_file()
    r = run_cli(empty_home, "node", "list", "--json")
    assert r.code == 0 and r.json()["total"] == 1


def test_version_loads_nothing_and_creates_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "CERTYARD_HOME": str(tmp_path / "home")}
    probe = ("import sys; from certyard.cli.main import main; code = main(['--version']); "
             "heavy = [m for m in ('typer', 'sqlalchemy', 'certyard.cli.tree', "
             "'certyard.context', 'cryptography') if m in sys.modules]; print(code, heavy)")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.splitlines()[-1] == "0 []"
    assert out.startswith("certyard ")
    done = subprocess.run([sys.executable, "-m", "certyard.cli.main", "--version"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("certyard ")
    assert not (tmp_path / "home").exists()


def test_json_shapes_listing_object_error(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    added = cli("node", "add", "sub1", "--fqdn", "sub1.example.com", "--json")
    assert added.code == 0 and added.json()["name"] == "sub1"  # an object
    for args in (("node", "list"), ("purpose", "list"), ("user", "list"), ("cert", "list"),
                 ("ca", "requests"), ("token", "list"), ("alarms", "list"),
                 ("audit", "list"), ("monitor", "outbox")):
        r = cli(*args, "--json")
        assert r.code == 0, r.stderr
        body = r.json()
        assert isinstance(body["items"], list) and body["total"] >= len(body["items"]), args
    assert cli("node", "list", "--json").json()["total"] == 2
    monitor = cli("monitor", "show", "--json").json()
    assert isinstance(monitor, dict) and "items" not in monitor
    missing = cli("cert", "show", "99999", "--json")
    assert missing.code == 4 and missing.stdout == ""
    assert json.loads(missing.stderr) == {"error": {
        "code": "not_found", "reason": "not_found", "message": "certificate 99999 not found"}}
    usage = cli("cert", "list", "--page-size", "0", "--json")
    assert usage.code == 2
    assert json.loads(usage.stderr)["error"]["code"] == "invalid_input"


def test_messages_name_the_option_typed(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("monitor", "set", "--start-days", "0")
    assert r.code == 2
    assert r.stderr.strip() == "error: --start-days must be between 1 and 3650"
    r = cli("monitor", "set", "--frequency", "0", "--json")
    err = json.loads(r.stderr)["error"]
    assert r.code == 2 and err["message"].startswith("--frequency ") and err["option"] == \
        "--frequency"


def test_output_for_people_has_no_python_reprs(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("monitor", "set", "--email", "--email-ids", "a@example.com,b@example.com").code \
        == 0
    for args in (("monitor", "show"), ("monitor", "revocation", "show"), ("smtp", "show"),
                 ("cert", "show", "1")):
        r = cli(*args)
        assert r.code == 0, (args, r.stderr)
        for repr_ in ("True", "False", "None", "['", "{'", "<Certificate"):
            assert repr_ not in r.stdout, (args, repr_, r.stdout)
    shown = cli("monitor", "show").stdout
    assert "a@example.com, b@example.com" in shown and "E-mail notification" in shown
    assert " UTC" in cli("cert", "show", "1").stdout  # dates carry their time zone


def test_audit_actor_is_the_operating_system_user_and_host(env) -> None:  # type: ignore[no-untyped-def]
    env = {**env, "USER": "alice", "SUDO_USER": ""}
    assert run_cli(env, "init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert run_cli(env, "node", "add", "sub1", "--fqdn", "sub1.example.com").code == 0
    rows = run_cli(env, "audit", "list", "--json").json()["items"]
    actors = {r["actor"] for r in rows if r["action"].startswith("node") or
              "node" in r["action"]}
    assert actors == {f"os:alice@{socket.gethostname()}"}, rows


def test_user_add_checks_the_role_before_asking_for_a_password(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("user", "add", "carol", "--role", "Readonly")
    assert r.code == 2
    assert "unknown role 'Readonly'" in r.stderr and "Read-only" in r.stderr
    assert "password" not in r.stderr.lower()
    r = cli("user", "add", "carol", "--role", "Read-only")  # no terminal, no password
    assert r.code == 2 and "CERTYARD_NEW_PASSWORD" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert cli("user", "list", "--json").json()["total"] == 0


def test_destructive_command_without_terminal_needs_yes(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("node", "add", "sub1", "--fqdn", "sub1.example.com").code == 0
    r = cli("node", "remove", "sub1")
    assert r.code == 2 and "--yes" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert cli("node", "list", "--json").json()["total"] == 2  # nothing changed
    assert cli("node", "remove", "sub1", "--yes").code == 0
    assert cli("node", "list", "--json").json()["total"] == 1


def test_unexpected_error_is_one_line_unless_debug(env) -> None:  # type: ignore[no-untyped-def]
    from certyard.cli import main as cli_main

    @cli_main.app.command("explode", hidden=True)
    def _explode() -> None:
        raise RuntimeError("boom\nsecond line")

    try:
        r = run_cli(env, "explode")
        assert r.code == 1 and "Traceback" not in r.stderr
        # One line, the class only: the exception's text may carry internals.
        assert r.stderr.strip() == ("error: internal error (RuntimeError); run with --debug "
                                    "(or CERTYARD_DEBUG=1) for a trace")
        assert "boom" not in r.stderr
        r = run_cli(env, "--debug", "explode")
        assert r.code == 1 and "Traceback" in r.stderr and "boom" in r.stderr
        r = run_cli({**env, "CERTYARD_DEBUG": "1"}, "explode")
        assert "Traceback" in r.stderr
    finally:
        cli_main.app.registered_commands.pop()


def test_long_work_is_silent_when_piped(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    r = cli("ca", "init", "--json")
    assert r.code == 0 and r.stderr == ""
    assert json.loads(r.stdout)["root"]["subject"]
    r = cli("monitor", "scan")
    assert r.code == 0 and r.stderr == "" and "certificate(s) in the window" in r.stdout


def test_an_empty_postgresql_database_is_not_initialised_and_stays_empty(
        pg_admin_url: str, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect, text

    name = f"empty_{os.getpid()}_{tmp_path.name}"[:60].replace("-", "_").lower()
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    env = {"CERTYARD_HOME": str(tmp_path / "home"), "CERTYARD_DATABASE_URL": url,
           "CERTYARD_MASTER_KEY": base64.b64encode(b"k" * 32).decode()}
    try:
        r = run_cli(env, "node", "list")
        assert r.code == 7 and "certyard init" in r.stderr, r.stderr
        eng = create_engine(url)
        try:
            assert inspect(eng).get_table_names() == []
        finally:
            eng.dispose()
        assert not (tmp_path / "home").exists()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
