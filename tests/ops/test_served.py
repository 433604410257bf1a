"""A real ``certyard serve`` under a NOTIFY_SOCKET this test binds (PID 1 of the CI machine
is not systemd, so ``systemd-run --user`` cannot start it: we play systemd's side of the
notify protocol), then ``certyard doctor`` against it: clean when healthy, and each problem
made on purpose found with its fix named."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from certyard.db import create_db_engine
from tests.conftest import MASTER_KEY
from tests.support.cli import run_cli
from tests.web.server import free_port

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane

DEADLINE = 180.0


@dataclass
class Install:
    env: dict[str, str]
    home: Path
    proc: subprocess.Popen[bytes]
    log: Path
    notify: socket.socket
    https_port: int
    http_port: int

    first_ready: list[str] | None = None

    def ready(self) -> list[str]:
        """The datagrams up to the first READY=1 (waited for once)."""
        if self.first_ready is None:
            self.first_ready = self.datagrams("READY=1")
        return self.first_ready

    def datagrams(self, until: str, timeout: float = DEADLINE) -> list[str]:
        got: list[str] = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.notify.settimeout(max(0.1, end - time.monotonic()))
            try:
                got.append(self.notify.recv(4096).decode())
            except TimeoutError:
                break
            if any(until in g.splitlines() for g in got):
                return got
        raise AssertionError(f"no {until} from certyard serve: {got}\n{self.log.read_text()}")


def _wait(cond, timeout: float = DEADLINE) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    home = tmp_path_factory.mktemp("ops") / "home"
    home.mkdir(mode=0o700)
    env = {"CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY}
    https_port, http_port = free_port(), free_port()
    for args in (("init",), ("ca", "config", "--base-url", f"http://127.0.0.1:{http_port}"),
                 ("ca", "init", "--cn", "Ops Root"), ("csr", "generate", "tomcat"),
                 ("ca", "sign-pending", "tomcat", "--approve")):
        res = run_cli(env, *args)
        assert res.code == 0, (args, res.stderr)
    sock_path = str(home.parent / "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(sock_path)
    log = home.parent / "serve.log"
    full = {**os.environ, **env, "NOTIFY_SOCKET": sock_path, "PYTHONUNBUFFERED": "1",
            "CERTYARD_LOG_FORMAT": "json", "WATCHDOG_USEC": "2000000"}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from certyard.cli.main import run; run()", "serve",
             "--host", "127.0.0.1", "--https-port", str(https_port), "--http-port",
             str(http_port)], env=full, stdout=fh, stderr=subprocess.STDOUT)
    inst = Install(env=env, home=home, proc=proc, log=log, notify=notify,
                   https_port=https_port, http_port=http_port)
    try:
        yield inst
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        notify.close()


def test_ready_is_notified_once_listeners_accept(install: Install) -> None:
    got = install.ready()
    # READY=1 is sent only after both listeners accept: connecting now must work.
    socket.create_connection(("127.0.0.1", install.https_port), timeout=10).close()
    socket.create_connection(("127.0.0.1", install.http_port), timeout=10).close()
    assert any(line.startswith("STATUS=serving") for g in got for line in g.splitlines())


def test_watchdog_pings_while_serving(install: Install) -> None:
    install.ready()
    install.datagrams("WATCHDOG=1")  # WatchdogSec=2s in this test: a ping every second


def test_sighup_reloads_tls_without_restart(install: Install) -> None:
    install.ready()
    pid = install.proc.pid
    install.proc.send_signal(signal.SIGHUP)
    install.datagrams("RELOADING=1")
    install.datagrams("READY=1")  # back to ready, same process
    assert _wait(lambda: "SIGHUP: TLS material reloaded" in install.log.read_text())
    assert install.proc.poll() is None and install.proc.pid == pid


def test_access_log_drops_query_strings(install: Install) -> None:
    import httpx

    install.ready()  # the module's tests may run in any order (--dist worksteal)
    r = httpx.get(f"http://127.0.0.1:{install.http_port}/ca/secretpath?token=hunter2",
                  timeout=30)
    assert r.status_code < 500
    assert _wait(lambda: "/ca/secretpath" in install.log.read_text())
    text_ = install.log.read_text()
    assert "hunter2" not in text_ and "token=" not in text_
    line = next(ln for ln in text_.splitlines() if "/ca/secretpath" in ln)
    rec = json.loads(line)
    assert rec["logger"] == "certyard.access" and rec["listener"] == "http"
    assert rec["msg"].startswith("GET /ca/secretpath ")


def _doctor(env: dict[str, str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    res = run_cli(env, "doctor", "--json", *args)
    assert "Traceback" not in res.stderr, res.stderr
    return res.code, json.loads(res.stdout)


def _find(report: dict, check: str, words: str) -> dict:  # type: ignore[type-arg]
    for f in report["findings"]:
        if f["check"].startswith(check) and words in f["message"] and f["severity"] != "ok":
            return f  # type: ignore[no-any-return]
    raise AssertionError(f"no {check} finding with {words!r}: {report['findings']}")


def test_doctor_healthy_install_is_clean(install: Install) -> None:
    install.ready()
    listener = f"127.0.0.1:{install.https_port}"

    def clean() -> bool:
        code, rep = _doctor(install.env, "--listener", listener)
        return code == 0 and not [f for f in rep["findings"] if f["severity"] != "ok"]

    assert _wait(clean), _doctor(install.env, "--listener", listener)[1]
    res = run_cli(install.env, "doctor", "--listener", listener)
    assert res.code == 0 and "0 error(s), 0 warning(s)" in res.stdout


def _copy(install: Install, tmp_path: Path) -> dict[str, str]:
    """A second home holding a copy of the live database (the live one stays healthy)."""
    home = tmp_path / "copy"
    home.mkdir(mode=0o700)
    src = sqlite3.connect(install.home / "certyard.db")
    dst = sqlite3.connect(home / "certyard.db")
    src.backup(dst)
    dst.close()
    src.close()
    return {"CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY}


def test_doctor_finds_each_problem_with_its_fix(install: Install, tmp_path: Path) -> None:
    assert _wait(lambda: _doctor(install.env, "--listener",
                                 f"127.0.0.1:{install.https_port}")[0] == 0)
    env = _copy(install, tmp_path)
    assert run_cli(env, "tls", "min-version", "set", "1.3").code == 0
    now = dt.datetime.now(dt.timezone.utc)
    engine = create_db_engine(f"sqlite:///{env['CERTYARD_HOME']}/certyard.db")
    with engine.begin() as c:
        c.execute(text("UPDATE ca_certificate SET not_after = :t WHERE role != 'root'"),
                  {"t": (now + dt.timedelta(days=5)).replace(tzinfo=None)})
        c.execute(text("UPDATE node SET fqdn = 'renamed.example.test' WHERE is_publisher"))
        c.execute(text("UPDATE job_lease SET next_run_at = :t WHERE name = 'monitor.outbox'"),
                  {"t": (now - dt.timedelta(days=1)).replace(tzinfo=None)})
        c.execute(text("INSERT INTO outbox_message (kind, recipients, subject, body, status, "
                       "attempts, created_at, next_attempt_at, last_error) VALUES ('alert', "
                       "'[\"a@b.test\"]', 's', 'b', 'pending', 3, :t, :t, 'connection "
                       "refused')"), {"t": (now - dt.timedelta(hours=3)).replace(tzinfo=None)})
        pub = c.execute(text("SELECT id FROM node WHERE is_publisher")).scalar_one()
        c.execute(text("INSERT INTO agent_status (node_id, version, ok, error, files, "
                       "reported_at, last_seen_at) VALUES (:n, 'v1', 1, '', '{}', :t, :t)"),
                  {"n": pub, "t": (now - dt.timedelta(hours=2)).replace(tzinfo=None)})
    engine.dispose()
    # A certificate whose CRL/OCSP URLs point at nothing.
    assert run_cli(env, "ca", "config", "--base-url", f"http://127.0.0.1:{free_port()}"
                   ).code == 0
    assert run_cli(env, "csr", "generate", "ipsec").code == 0
    assert run_cli(env, "ca", "sign-pending", "ipsec", "--approve").code == 0

    code, rep = _doctor(env, "--listener", f"127.0.0.1:{install.https_port}")
    assert code == 1 and not rep["ok"]
    assert "certyard ca import" in _find(rep, "ca", "expires in")["fix"]
    assert "certyard ca sign-pending tomcat" in _find(
        rep, "ui_certificate", "does not name renamed.example.test")["fix"]
    assert "--base-url" in _find(rep, "urls", "is not reachable")["fix"]
    assert "systemctl reload certyard" in _find(
        rep, "listener:", "accepts TLS 1.2, below the policy minimum 1.3")["fix"]
    assert "systemctl start certyard" in _find(rep, "jobs", "monitor.outbox is overdue")["fix"]
    assert "certyard monitor deliver" in _find(rep, "outbox", "1 e-mail(s) waiting")["fix"]
    assert "certyard-agent" in _find(rep, "agents", "last synced")["fix"]


def test_doctor_file_modes(install: Install, tmp_path: Path) -> None:
    env = _copy(install, tmp_path)
    home = Path(env["CERTYARD_HOME"])
    os.chmod(home, 0o755)
    key = home / "master.key"
    key.write_text(MASTER_KEY + "\n")
    os.chmod(key, 0o644)
    env2 = {**env, "CERTYARD_MASTER_KEY": ""}
    code, rep = _doctor(env2, "--no-urls", "--listener", f"127.0.0.1:{install.https_port}")
    assert code == 1
    assert _find(rep, "home_mode", "mode 0755")["fix"] == f"chmod 700 {home}"
    assert _find(rep, "master_key_mode", "mode 0644")["fix"] == f"chmod 600 {key}"
    assert base64.b64decode(MASTER_KEY)  # the key itself is never printed
    assert MASTER_KEY not in json.dumps(rep)


def test_doctor_database_unreachable_and_schema_behind(install: Install,
                                                       tmp_path: Path) -> None:
    env = _copy(install, tmp_path)
    code, rep = _doctor({**env, "CERTYARD_DATABASE_URL":
                         f"postgresql://certyard@127.0.0.1:{free_port()}/nothing"})
    assert code == 1
    assert "CERTYARD_DATABASE_URL" in _find(rep, "database", "not reachable")["fix"]

    from alembic import command

    from certyard.db.engine import alembic_config

    engine = create_db_engine(f"sqlite:///{env['CERTYARD_HOME']}/certyard.db")
    cfg = alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "monitor0002@monitor0001")
    engine.dispose()
    code, rep = _doctor(env)
    assert code == 1
    assert _find(rep, "schema", "older than this version")["fix"] == "certyard db upgrade"
