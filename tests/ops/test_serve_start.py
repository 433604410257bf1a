"""``certyard serve`` refusing what it cannot use with one line (and creating nothing), a
first run on a fresh home embedding the port it serves on, and the shutdown log lines."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MASTER_KEY
from tests.support.cli import run_cli
from tests.web.server import free_port

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane

DEADLINE = 180.0


def _serve(env: dict[str, str], *args: str, fmt: str = "text") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from certyard.cli.main import run; run()",
                           "--log-format", fmt, "serve", *args],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=DEADLINE, check=False)


@pytest.mark.parametrize(("args", "words"), [
    (["--https-port", "-1"], "--https-port"),
    (["--https-port", "0"], "--https-port"),
    (["--drain-seconds", "nan"], "--drain-seconds"),
    (["--https-port", "9443", "--http-port", "9443"], "different ports"),
    (["--host", "0.0.0.0\n--debug"], "IP address or a DNS name"),
    (["--host", "no such host.example"], "IP address or a DNS name"),
    (["--server-name", "a b"], "server-name"),
])
def test_bad_values_one_line_exit_2_nothing_created(tmp_path: Path, args: list[str],
                                                    words: str) -> None:
    home = tmp_path / "home"
    res = _serve({"CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY}, *args)
    assert res.returncode == 2, res.stderr
    assert words in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "Traceback" not in res.stderr and not home.exists()


@pytest.mark.parametrize("fmt", ["text", "journal"])
def test_busy_port_is_one_line_exit_8(tmp_path: Path, fmt: str) -> None:
    home = tmp_path / "home"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = _serve({"CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY},
                     "--host", "127.0.0.1", "--https-port", str(port), "--http-port", "0",
                     fmt=fmt)
    assert res.returncode == 8, res.stderr
    assert f"cannot listen on 127.0.0.1:{port}: address already in use" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    if fmt == "journal":
        assert res.stderr.startswith("<3>")


def test_first_run_embeds_its_port_and_logs_shutdown(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY}
    https_port, http_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from certyard.cli.main import run; run()",
             "--log-format", "json", "serve", "--host", "127.0.0.1", "--https-port",
             str(https_port), "--http-port", str(http_port), "--server-name", "ca.example.test",
             "--no-jobs"], env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=fh, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end and '"msg":"listening"' not in log.read_text():
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        assert '"msg":"listening"' in log.read_text(), log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(DEADLINE) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    records = [json.loads(line) for line in log.read_text().splitlines()
               if line.startswith("{")]
    msgs = [(r["level"], r["msg"]) for r in records if r["logger"] == "certyard.server"]
    shutting = msgs.index(("info", "shutting down: finishing in-flight requests"))
    assert msgs[-1] == ("info", "stopped") and shutting < len(msgs) - 1
    res = run_cli(env, "ca", "config", "--json")
    assert res.code == 0, res.stderr
    assert json.loads(res.stdout)["base_url"] == f"http://ca.example.test:{http_port}"
