"""``certyard serve --https-workers N``: N processes answer on one HTTPS port (SO_REUSEPORT),
each issuing into the one store; signals reach every worker; a dead worker is replaced; a
worker whose parent is gone stops; bad values are refused before anything starts.

Which process answered a connection is read from the operating system (``ss`` names the
process owning the server side of each established connection), not from any endpoint.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certyard.server import https_workers
from certyard.server.https_workers import FIRST_BACKOFF, MAX_BACKOFF, HttpsWorkers
from tests.ca.helpers import make_csr, setup_ca
from tests.support.ports import free_port


def _wait_for(check: Callable[[], Any], what: str, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _pids(ss_args: list[str]) -> set[int]:
    out = subprocess.run(["ss", "-Htnp", *ss_args], capture_output=True, text=True,
                         check=False).stdout
    return {int(p.split(",")[0]) for p in out.split("pid=")[1:]}


def _listening(port: int) -> set[int]:
    return _pids(["-l", f"sport = :{port}"])


def _owners(port: int) -> set[int]:
    """The processes holding the server side of established connections on ``port``."""
    return _pids(["state", "established", f"( sport = :{port} )"])


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def _serve(env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    full = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from certyard.cli.main import run; run()", "serve",
             "--host", "127.0.0.1", "--http-port", "0", "--no-jobs", *args],
            env=full, stdout=fh, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True, check=False).stdout
    return {int(x) for x in out.split()}


def _connection_owned_by(port: int, pid: int) -> ssl.SSLSocket | None:
    """A TLS connection to ``port`` that process ``pid`` accepted, or None (closed)."""
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    conn = tls.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60))
    mine = conn.getsockname()[1]
    if _pids(["state", "established", f"( sport = :{port} and dport = :{mine} )"]) == {pid}:
        return conn
    conn.close()
    return None


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"https://127.0.0.1:{port}/readyz", verify=False,
                         timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _issuer_token(env: dict[str, str]) -> str:
    """A CA and the API token of a Certificate Administrator in the store ``env`` names."""
    from certyard import accounts
    from certyard.config import Settings
    from certyard.context import open_context

    ctx = open_context(Settings.from_env({**os.environ, **env}))
    try:
        setup_ca(ctx)
        accounts.create_user(ctx, "issuer", role="Certificate Administrator",
                             password="Sturdy-Pass-42-Xq", must_change_password=False)
        return accounts.create_token(ctx, "issuer", name="workers")[1]
    finally:
        ctx.engine.dispose()


@pytest.mark.slow
def test_two_workers_answer_on_one_port_and_issue_into_one_store(
        env: dict[str, str], tmp_path: Path) -> None:
    """Both processes accept connections on the HTTPS port and issue certificates with a
    token (group commit in each, one store: SQLite's lock or PostgreSQL's); every 201 is a
    stored certificate with its own serial. When the serve process is killed outright its
    worker notices (lifeline pipe) and stops, so no orphan keeps the port."""
    from certyard.config import Settings
    from certyard.context import open_context

    full = {**os.environ, **env}
    token = _issuer_token(env)
    port = free_port()
    log = tmp_path / "serve.log"
    with _serve(env, log, "--https-port", str(port), "--https-workers", "2") as proc:
        _wait_for(lambda: len(_listening(port)) == 2 or proc.poll() is not None,
                  "two processes on the HTTPS port")
        assert proc.poll() is None, log.read_text()
        [worker] = _children(proc.pid)
        assert _listening(port) == {proc.pid, worker}
        _wait_for(lambda: _ready(port), "readiness")

        clients: list[httpx.Client] = []
        serials: set[str] = set()
        try:
            def issue_until_both_answered() -> bool:
                # New connections: the kernel hashes each over the two listeners.
                for _ in range(8):
                    client = httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=False,
                                          timeout=60,
                                          headers={"Authorization": f"Bearer {token}"})
                    clients.append(client)
                    _, csr = make_csr(f"w{len(clients)}.example.com")
                    got = client.post("/api/v1/ca/issued", json={
                        "csr": csr.public_bytes(Encoding.PEM).decode(),
                        "profile": "server"})
                    assert got.status_code == 201, got.text
                    cert = x509.load_pem_x509_certificate(got.json()["pem"].encode())
                    serials.add(format(cert.serial_number, "x"))
                return _owners(port) == {proc.pid, worker}

            _wait_for(issue_until_both_answered, "connections served by both processes", 240)
        finally:
            for client in clients:
                client.close()
        assert len(serials) == len(clients)
        ctx = open_context(Settings.from_env(full))
        try:
            from sqlalchemy import func, select

            from certyard.db.models.ca import CaIssued

            with ctx.read() as s:
                stored = s.scalar(select(func.count(func.distinct(CaIssued.serial))))
        finally:
            ctx.engine.dispose()
        assert stored == len(clients)

        proc.kill()  # no chance to stop its worker: the lifeline pipe must
        proc.wait()
        _wait_for(lambda: not _alive(worker), "the orphaned worker to stop", 120)
        _wait_for(lambda: not _listening(port), "the port to be free")
    assert "parent_gone" in log.read_text() or "serve process is gone" in log.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_signals_reach_every_worker_and_a_dead_worker_is_replaced(
        env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with _serve(env, log, "--https-port", str(port), "--https-workers", "3") as proc:
        _wait_for(lambda: len(_listening(port)) == 3 or proc.poll() is not None,
                  "three processes on the HTTPS port")
        assert proc.poll() is None, log.read_text()
        workers = _children(proc.pid)
        assert len(workers) == 2 and _listening(port) == {proc.pid, *workers}
        _wait_for(lambda: "listening" in log.read_text(), "READY (every worker accepts)")

        # SIGHUP: every process re-reads its TLS material, each says so (workers by PID).
        proc.send_signal(signal.SIGHUP)
        _wait_for(lambda: log.read_text().count("TLS material reloaded") == 3,
                  "three TLS reloads")
        text = log.read_text()
        assert all(f"worker={pid}" in text for pid in workers)

        # A worker killed outright is logged and replaced on the same port.
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        replaced = _wait_for(lambda: (lambda now: now if len(now) == 2 and victim not in now
                                      else None)(_children(proc.pid)), "a replacement")
        _wait_for(lambda: _listening(port) == {proc.pid, *replaced}, "the new worker listening")
        text = log.read_text()
        assert f"HTTPS worker {victim} stopped (killed by SIGKILL)" in text
        assert "started in place of" in text
        _wait_for(lambda: _ready(port), "readiness after the restart")

        # SIGTERM: every process drains and exits; the parent waits for its workers.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(120) == 0
        assert not any(_alive(pid) for pid in replaced)
        assert not _listening(port)
        text = log.read_text()
        assert text.count("shutting down: finishing in-flight requests") == 3
        assert "did not stop in time" not in text


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_second_signal_stops_draining_workers_at_once(env: dict[str, str],
                                                        tmp_path: Path) -> None:
    """The first SIGTERM lets a worker's in-flight request hold it (grace: an hour); the
    serve process's second SIGTERM stops it at once, and everything exits."""
    port = free_port()
    log = tmp_path / "serve.log"
    with _serve(env, log, "--https-port", str(port), "--https-workers", "2",
                "--grace-seconds", "3600") as proc:
        _wait_for(lambda: len(_listening(port)) == 2 or proc.poll() is not None,
                  "two processes on the HTTPS port")
        assert proc.poll() is None, log.read_text()
        [worker] = _children(proc.pid)
        _wait_for(lambda: "listening" in log.read_text(), "READY")
        conn = _wait_for(lambda: _connection_owned_by(port, worker),
                         "a connection the worker accepted")
        try:  # a sign-in whose form never arrives: in flight for as long as grace allows
            conn.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                         b"application/x-www-form-urlencoded\r\nContent-Length: 100\r\n"
                         b"\r\nusername=")
            proc.send_signal(signal.SIGTERM)
            _wait_for(lambda: log.read_text().count("shutting down") == 2, "both draining")
            assert _alive(worker)
            proc.send_signal(signal.SIGTERM)
            proc.wait(120)  # the hour of grace is not waited for
            _wait_for(lambda: not _alive(worker), "the worker to exit", 120)
        finally:
            conn.close()
        assert not _listening(port)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("value", ["0", "65", "x", "-1"])
def test_bad_worker_counts_are_refused_in_one_line(cli: Any, home: Path, value: str) -> None:
    before = sorted(p.name for p in home.iterdir())
    got = cli("serve", "--https-workers", value)
    assert got.code == 2
    said = (got.stdout + got.stderr).strip()
    assert len(said.splitlines()) == 1
    assert "--https-workers must be a whole number from 1 to 64" in said
    assert sorted(p.name for p in home.iterdir()) == before  # nothing created


def test_restart_back_off_doubles_and_resets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without real time: a worker exiting soon after each start waits 1, 2, 4 ... at most
    30 s before the next; one that ran a while restarts after 1 s again."""
    started: list[float] = []

    class Quick(HttpsWorkers):
        def _spawn(self, slot: Any) -> None:
            slot.proc = subprocess.Popen([sys.executable, "-c", "pass"])
            slot.proc.wait()
            slot.started = now[0]
            slot.restart_at = None
            slot.history.append(slot.proc.pid)
            started.append(now[0])

    now = [0.0]
    pool = Quick(1, host="127.0.0.1", port=1, drain_seconds=0, grace_seconds=1,
                 reload_every=3)
    try:
        pool.start()
        waits = []
        for _ in range(7):
            pool.check(now[0])  # notices the exit, schedules
            slot = pool.slots[0]
            assert slot.restart_at is not None
            waits.append(slot.restart_at - now[0])
            now[0] = slot.restart_at
            pool.check(now[0])  # starts the replacement
        assert waits == [FIRST_BACKOFF, 2, 4, 8, 16, MAX_BACKOFF, MAX_BACKOFF]
        now[0] += https_workers.STABLE_SECONDS  # this one "ran" long enough
        pool.check(now[0])
        assert pool.slots[0].restart_at == now[0] + FIRST_BACKOFF
    finally:
        pool.stop()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sigterm_lets_a_workers_in_flight_request_finish(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    """A request a worker has begun (its head arrived, its body not yet) when the service
    is stopped is answered in full. Stopped as systemd does it: SIGTERM to every process of
    the control group at once, so the worker gets the parent's forwarded copy as well; a
    repeated SIGTERM must not cut its requests, and the parent, done with its own listener
    first, waits for it."""
    import json

    token = _issuer_token(env)
    _, csr = make_csr("inflight.example.com")
    body = json.dumps({"csr": csr.public_bytes(Encoding.PEM).decode(),
                       "profile": "server"}).encode()
    head = (f"POST /api/v1/ca/issued HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    port = free_port()
    log = tmp_path / "serve.log"
    with _serve(env, log, "--https-port", str(port), "--https-workers", "2") as proc:
        _wait_for(lambda: len(_listening(port)) == 2 or proc.poll() is not None,
                  "two processes on the HTTPS port")
        assert proc.poll() is None, log.read_text()
        [worker] = _children(proc.pid)
        _wait_for(lambda: "listening" in log.read_text(), "READY")

        conn = _wait_for(lambda: _connection_owned_by(port, worker),
                         "a connection the worker accepted")
        try:
            conn.sendall(head + body[:100])  # in flight: the head is there, the body is not
            proc.send_signal(signal.SIGTERM)
            os.kill(worker, signal.SIGTERM)
            _wait_for(lambda: any("shutting down" in line and f"worker={worker}" in line
                                  for line in log.read_text().splitlines()),
                      "the worker to start draining")
            conn.sendall(body[100:])
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                answer += chunk
        finally:
            conn.close()
        assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
        assert proc.wait(120) == 0
        assert not _alive(worker)


def test_ready_only_once_every_worker_said_it_accepts() -> None:
    """The parent's READY waits for every worker's PID on the ready pipe (written once its
    socket accepts); a worker that exited is not ready even if it said so before."""
    import textwrap

    class Scripted(HttpsWorkers):
        def _spawn(self, slot: Any) -> None:
            code = textwrap.dedent(f"""
                import os, sys
                sys.stdin.read(1)  # told when to say ready
                os.write({self._ready_w}, f"{{os.getpid()}}\\n".encode())
                sys.stdin.read(1)  # told when to exit
            """)
            slot.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                         pass_fds=(self._ready_w,))
            slot.started = time.monotonic()
            slot.history.append(slot.proc.pid)

    pool = Scripted(2, host="127.0.0.1", port=1, drain_seconds=0, grace_seconds=1,
                    reload_every=3)
    try:
        pool.start()
        first, second = (s.proc for s in pool.slots)
        assert not pool.all_ready()
        first.stdin.write(b"r")
        first.stdin.flush()
        _wait_for(lambda: first.pid in (pool.read_ready() or pool.ready), "the first PID")
        assert not pool.all_ready()  # the second has not said so
        second.stdin.write(b"r")
        second.stdin.flush()
        _wait_for(pool.all_ready, "both workers ready")
        second.stdin.write(b"x")
        second.stdin.close()
        second.wait(60)
        assert not pool.all_ready()
    finally:
        for slot in pool.slots:
            if slot.proc.poll() is None:
                slot.proc.kill()
                slot.proc.wait()
        pool.stop()
