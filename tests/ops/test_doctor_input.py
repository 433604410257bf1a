"""``certyard doctor``: its own input refused in one line (exit 2), a plain-HTTP port named as
such, and a master key file readable by others reported once while the other checks run."""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from certyard.errors import InvalidInput
from certyard.ops.doctor import DoctorOptions
from tests.support.cli import run_cli


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    res = run_cli({"CERTYARD_HOME": str(h)}, "init")
    assert res.code == 0, res.stderr
    return h


@pytest.mark.parametrize("listener", ["localhost:0", "localhost:65536", "a\nb:8443",
                                      "localhost", "localhost:x", "host name:1", ":443\x1b"])
def test_listener_must_be_host_port(home: Path, listener: str) -> None:
    res = run_cli({"CERTYARD_HOME": str(home)}, "doctor", "--listener", listener)
    assert res.code == 2 and "HOST:PORT with a port 1-65535" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    with pytest.raises(InvalidInput):
        DoctorOptions(listeners=(listener,))


def test_expiry_warning_days_bounded(home: Path) -> None:
    for days in ("0", "3651"):
        res = run_cli({"CERTYARD_HOME": str(home)}, "doctor", "--expiry-warning-days", days)
        assert res.code == 2, res.stderr
    with pytest.raises(InvalidInput):
        DoctorOptions(expiry_warning_days=100000)
    assert DoctorOptions(listeners=("[::1]:8443", "10.0.0.1:1")).expiry_warning_days == 30


class _Plain(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:
        self.do_HEAD()

    def log_message(self, *args: object) -> None:
        pass


def test_plain_http_port_and_master_key_mode(home: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Plain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    os.chmod(home / "master.key", 0o644)
    try:
        port = server.server_address[1]
        res = run_cli({"CERTYARD_HOME": str(home)}, "doctor", "--no-urls", "--json",
                      "--listener", f"127.0.0.1:{port}")
    finally:
        server.shutdown()
        server.server_close()
    assert res.code == 1, res.stderr
    findings = res.json()["findings"]
    by = {f["check"]: f for f in findings}
    listener = by[f"listener:127.0.0.1:{port}"]
    assert "plain HTTP, not TLS" in listener["message"]
    key = [f for f in findings if f["check"].startswith("master_key")]
    assert len(key) == 1 and key[0]["fix"] == f"chmod 600 {home / 'master.key'}"
    # the checks after the store still ran
    assert by["ca"]["fix"] == "certyard ca init" and "outbox" in by and "skipped" not in by


def test_unreadable_key_says_what_was_skipped(home: Path) -> None:
    (home / "master.key").write_text("not base64!\n")
    os.chmod(home / "master.key", 0o600)
    res = run_cli({"CERTYARD_HOME": str(home)}, "doctor", "--no-urls", "--json")
    by = {f["check"]: f for f in res.json()["findings"]}
    assert res.code == 1 and "master_key" in by
    assert "not run: ca, ui_certificate" in by["skipped"]["message"]
