"""A client that goes away before any answer (a body cut short, an ``Expect: 100-continue``
never followed by the body) is logged by AccessLog as ``499``, the client closing, not as a
``500`` server error: a real uvicorn (httptools, as ``certyard serve`` runs it) on 127.0.0.1,
port 0, in front of the HTTPS application, its issuing fast path included."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from certyard import accounts, cluster
from certyard.ops.logs import CLIENT_CLOSED, AccessLog
from certyard.server import create_app
from tests.support.ports import listening_socket

DEADLINE = 120.0


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def wait_for(self, n: int) -> list[str]:
        end = time.monotonic() + DEADLINE
        while len(self.lines) < n and time.monotonic() < end:
            time.sleep(0.05)
        assert len(self.lines) >= n, self.lines
        return self.lines


@contextmanager
def _serving(ctx: Any) -> Iterator[tuple[int, _Records]]:
    log = logging.getLogger("certyard.access")
    records, level = _Records(), log.level
    log.addHandler(records)
    log.setLevel(logging.INFO)
    sock = listening_socket()
    server = uvicorn.Server(uvicorn.Config(AccessLog(create_app(ctx)), http="httptools",
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        end = time.monotonic() + DEADLINE
        while not server.started:
            assert thread.is_alive() and time.monotonic() < end, "uvicorn did not start"
            time.sleep(0.05)
        yield int(sock.getsockname()[1]), records
    finally:
        server.should_exit = True
        thread.join(timeout=DEADLINE)
        sock.close()
        log.removeHandler(records)
        log.setLevel(level)


def _send_and_close(port: int, head: str, body: bytes = b"", *, wait_for: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as conn:
        conn.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        got = b""
        while wait_for and wait_for not in got:
            chunk = conn.recv(4096)
            if not chunk:
                break
            got += chunk
        return got


@pytest.mark.parametrize("ctype", ["application/json", "text/plain"],
                         ids=["fast-path", "full-route"])
def test_a_client_that_closes_mid_body_is_499(ctx: Any, ctype: str) -> None:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    accounts.create_user(ctx, "certadm", role="Certificate Administrator",
                         password="Sturdy-Pass-42", must_change_password=False)
    token = accounts.create_token(ctx, "certadm", name="t")[1]
    head = (f"POST /api/v1/ca/issued HTTP/1.1\nHost: localhost\nAuthorization: Bearer {token}\n"
            f"Content-Type: {ctype}\n")
    with _serving(ctx) as (port, records):
        # Ten bytes announced, five sent, then the connection closed.
        _send_and_close(port, head + "Content-Length: 10\n", b'{"csr')
        first = records.wait_for(1)[0]
        assert first == f"POST /api/v1/ca/issued {CLIENT_CLOSED}"
        # Expect: 100-continue, the server's go-ahead read, then nothing.
        got = _send_and_close(port, head + "Content-Length: 10\nExpect: 100-continue\n",
                              wait_for=b"\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 100"), got
        assert records.wait_for(2)[1] == f"POST /api/v1/ca/issued {CLIENT_CLOSED}"
        # A request sent in full keeps its real status.
        got = _send_and_close(port, head + "Content-Length: 2\n", b"[]", wait_for=b"\r\n\r\n")
        status = 422 if ctype == "application/json" else 415
        assert got.startswith(f"HTTP/1.1 {status}".encode()), got
        assert records.wait_for(3)[2] == f"POST /api/v1/ca/issued {status}"


def _run(app: Any, messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    import asyncio

    records, log = _Records(), logging.getLogger("certyard.access")
    level = log.level
    log.addHandler(records)
    log.setLevel(logging.INFO)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    try:
        asyncio.run(AccessLog(app)({"type": "http", "method": "POST", "path": "/x",
                                    "raw_path": b"/x", "client": ("127.0.0.1", 1)},
                                   receive, send))
    finally:
        log.removeHandler(records)
        log.setLevel(level)
    return records.lines[0], sent


async def _reads_then_answers(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 400, "headers": []})
    await send({"type": "http.response.body", "body": b"late"})


async def _answers_nothing(scope: Any, receive: Any, send: Any) -> None:
    return None


def test_the_status_logged_when_no_answer_was_started_before_the_close() -> None:
    # Closed first: 499, whatever the app tried to answer afterwards (it still goes out).
    line, sent = _run(_reads_then_answers, [{"type": "http.disconnect"}])
    assert line == f"POST /x {CLIENT_CLOSED}" and sent[0]["status"] == 400
    # The body arrived: the app's own status.
    line, _ = _run(_reads_then_answers, [{"type": "http.request", "body": b"{}"}])
    assert line == "POST /x 400"
    # No answer and no close: the server answers 500 for the app, and that is logged.
    line, sent = _run(_answers_nothing, [])
    assert line == "POST /x 500" and sent == []
