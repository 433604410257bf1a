"""``certyard serve --ocsp-workers N``: the extra OCSP processes are supervised like the
HTTPS workers (one ``WorkerPool``): a worker killed outright is logged with its exit
reason, reaped (no zombie) and replaced on the same port; every worker stops by itself
when the serve process is killed outright, so the ports are free for the next ``serve``;
SIGHUP and SIGTERM reach them.

Which process answered is read from the operating system (``ss``), as in
test_https_workers.py.
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from tests.server.test_https_workers import (
    _alive,
    _children,
    _listening,
    _pids,
    _ready,
    _serve,
    _wait_for,
)
from tests.support.ports import free_port


def _asked(port: int, pid: int, path: str = "/healthz") -> bytes | None:
    """The head of the answer to ``GET path`` on a new connection to ``port`` when process
    ``pid`` accepted it, else None."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        mine = conn.getsockname()[1]
        owner = _pids(["state", "established", f"( sport = :{port} and dport = :{mine} )"])
        if owner != {pid}:
            return None
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n\r\n")[0]


def _answered_by(port: int, pid: int) -> bool:
    """A new connection to ``port`` that process ``pid`` accepted answered /healthz 200."""
    head = _asked(port, pid)
    return head is not None and head.startswith(b"HTTP/1.1 200")


def _zombie_of(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_killed_ocsp_worker_is_logged_reaped_and_replaced(env: dict[str, str],
                                                            tmp_path: Path) -> None:
    https_port, ocsp_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    with _serve(env, log, "--https-port", str(https_port), "--ocsp-port", str(ocsp_port),
                "--ocsp-workers", "2", "--server-name", "pki.example.net") as proc:
        _wait_for(lambda: "listening" in log.read_text() or proc.poll() is not None,
                  "READY")
        assert proc.poll() is None, log.read_text()
        [worker] = _children(proc.pid)
        # READY waited for the worker's word that its socket accepts.
        assert _listening(ocsp_port) == {proc.pid, worker}

        os.kill(worker, signal.SIGKILL)
        replaced = _wait_for(lambda: (lambda now: now if len(now) == 1 and worker not in now
                                      else None)(_children(proc.pid)), "a replacement")
        [new] = replaced
        assert not _zombie_of(worker)  # reaped by serve, not left <defunct>
        _wait_for(lambda: _listening(ocsp_port) == {proc.pid, new}, "the new worker listening")
        text = log.read_text()
        assert f"OCSP worker {worker} stopped (killed by SIGKILL); starting another in" in text
        assert f"OCSP worker {new} started in place of {worker}" in text
        _wait_for(lambda: _answered_by(ocsp_port, new), "an answer from the new worker")
        # It redirects to HTTPS at --server-name, as the serve process's listener does.
        head = _wait_for(lambda: _asked(ocsp_port, new, "/somewhere"), "a redirect")
        assert f"location: https://pki.example.net:{https_port}/somewhere".encode() in \
            head.lower(), head

        # SIGHUP reaches the worker: it re-reads its pre-signed responses (and keeps serving).
        proc.send_signal(signal.SIGHUP)
        _wait_for(lambda: f"OCSP worker {new}: SIGHUP: re-reading the pre-signed OCSP "
                          "responses" in log.read_text(), "the worker's reload")
        assert _alive(new)

        # SIGTERM: the worker stops with the serve process; nothing left on the port.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(120) == 0
        assert not _alive(new)
        assert not _listening(ocsp_port)
        assert "did not stop in time" not in log.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_workers_of_both_kinds_stop_when_serve_is_killed(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    """``kill -9`` of serve with ``--https-workers 2 --ocsp-workers 2``: both workers read
    end-of-file on their lifeline and stop, the ports are free, and a new ``serve`` on the
    same ports starts (no "address already in use")."""
    https_port, ocsp_port = free_port(), free_port()
    ports = ("--https-port", str(https_port), "--ocsp-port", str(ocsp_port))
    log = tmp_path / "serve.log"
    with _serve(env, log, *ports, "--https-workers", "2", "--ocsp-workers", "2") as proc:
        _wait_for(lambda: "listening" in log.read_text() or proc.poll() is not None,
                  "READY")
        assert proc.poll() is None, log.read_text()
        workers = _children(proc.pid)
        assert len(workers) == 2
        assert _listening(ocsp_port) | _listening(https_port) == {proc.pid, *workers}
        [ocsp_worker] = _listening(ocsp_port) - {proc.pid}

        proc.kill()  # no chance to stop its workers: the lifeline pipes must
        proc.wait()
        _wait_for(lambda: not any(_alive(pid) for pid in workers), "the orphans to stop")
        _wait_for(lambda: not _listening(ocsp_port) and not _listening(https_port),
                  "the ports to be free")
    text = log.read_text()
    assert f"OCSP worker {ocsp_worker}: the serve process is gone; stopping" in text

    again = tmp_path / "again.log"
    with _serve(env, again, *ports, "--ocsp-workers", "2") as proc:
        _wait_for(lambda: "listening" in again.read_text() or proc.poll() is not None,
                  "the next serve on the same ports")
        assert proc.poll() is None, again.read_text()
        assert "address already in use" not in again.read_text()
        _wait_for(lambda: _ready(https_port), "readiness")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_ocsp_workers_drain_and_stop_at_the_second_signal(env: dict[str, str],
                                                          tmp_path: Path) -> None:
    """SIGTERM from anyone (twice, as systemd's control-group signal plus the parent's copy)
    makes an OCSP worker drain: it keeps answering on its port for ``--drain-seconds``
    (300 here) and does not escalate; the serve process's second SIGTERM stops it at once
    (the 300 s are not waited for)."""
    https_port, ocsp_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    with _serve(env, log, "--https-port", str(https_port), "--ocsp-port", str(ocsp_port),
                "--ocsp-workers", "2", "--drain-seconds", "300") as proc:
        _wait_for(lambda: "listening" in log.read_text() or proc.poll() is not None,
                  "READY")
        assert proc.poll() is None, log.read_text()
        [worker] = _children(proc.pid)
        os.kill(worker, signal.SIGTERM)
        os.kill(worker, signal.SIGTERM)
        _wait_for(lambda: f"OCSP worker {worker}: shutting down" in log.read_text(),
                  "the worker to start draining")
        _wait_for(lambda: _answered_by(ocsp_port, worker), "an answer while draining")
        # Readiness says it is on its way out (as the serve process's own listener would).
        head = _wait_for(lambda: _asked(ocsp_port, worker, "/readyz"), "readiness")
        assert head.startswith(b"HTTP/1.1 503"), head
        assert log.read_text().count(f"OCSP worker {worker}: shutting down") == 1
        proc.send_signal(signal.SIGTERM)
        _wait_for(lambda: "shutting down: finishing in-flight requests" in log.read_text(),
                  "the serve process draining")
        assert _alive(worker)
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
        _wait_for(lambda: not _alive(worker), "the worker to exit", 120)
        assert not _listening(ocsp_port)
        assert "did not stop in time" not in log.read_text()


def test_the_pool_runs_the_ocsp_worker_and_names_it_in_its_log(
        caplog: pytest.LogCaptureFixture) -> None:
    """The command line the pool builds is the one the OCSP worker parses; an exited worker
    is reaped and logged as an OCSP worker with its exit reason, and its replacement is
    scheduled after the first back-off."""
    import subprocess
    import sys
    from typing import Any

    from certyard.server import ocsp_workers
    from certyard.server.workers import FIRST_BACKOFF

    class Exiting(ocsp_workers.OcspWorkers):
        def _spawn(self, slot: Any) -> None:
            slot.proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
            slot.started = 0.0
            slot.restart_at = None
            slot.history.append(slot.proc.pid)

    pool = Exiting(1, host="127.0.0.1", port=8080, https_port=8443, drain_seconds=5,
                   grace_seconds=7)
    try:
        args = ocsp_workers._parser().parse_args(
            [*pool.args, "--lifeline-fd", "5", "--ready-fd", "6"])
        assert (args.host, args.port, args.https_port, args.drain_seconds,
                args.grace_seconds, args.lifeline_fd, args.ready_fd) == \
            ("127.0.0.1", 8080, 8443, 5.0, 7.0, 5, 6)
        pool.start()
        pid = pool.slots[0].history[0]
        _wait_for(lambda: _zombie_of(pid), "the worker to exit (a zombie until reaped)")
        with caplog.at_level("INFO", logger="certyard.server"):
            pool.check(100.0)
        assert pool.slots[0].restart_at == 100.0 + FIRST_BACKOFF
        assert f"OCSP worker {pid} stopped (exit code 3); starting another in 1 s" in \
            caplog.text
        assert not Path(f"/proc/{pid}").exists()  # reaped by check()
    finally:
        pool.stop()
