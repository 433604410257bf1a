"""Oversized request bodies are refused early with 413: a declared Content-Length over the
limit before a single body byte is read (over a real socket to uvicorn), and a chunked body
as soon as it passes the limit (over ASGI, counting how much of it the app pulled)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from certyard.http.limits import DEFAULT_MAX_BODY, OCSP_MAX_BODY
from certyard.server import create_app, create_http_app
from tests.fuzz.conftest import Samples
from tests.support.ports import listening_socket


@pytest.fixture(scope="module")
def servers(samples: Samples) -> Iterator[dict[str, int]]:
    ports: dict[str, int] = {}
    running: list[tuple[uvicorn.Server, threading.Thread]] = []
    socks: list[socket.socket] = []
    for name, app in (("http", create_http_app(samples.ctx, https_port=8443)),
                      ("app", create_app(samples.ctx))):
        sock = listening_socket()  # port 0: the port the kernel gave
        port = int(sock.getsockname()[1])
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                            log_level="warning", lifespan="off"))
        t = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
        t.start()
        socks.append(sock)
        deadline = time.monotonic() + 60
        while not srv.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        ports[name] = port
        running.append((srv, t))
    yield ports
    for srv, t in running:
        srv.should_exit = True
        t.join(timeout=10)
    for sock in socks:
        sock.close()


def _declare_only(port: int, path: str, length: int) -> bytes:
    """Send headers announcing ``length`` body bytes, send none, read the answer. No body
    byte is ever sent, so an answer at all means the server did not wait for the body
    (one that waited would never answer: the generous socket timeout then fails the test,
    and a loaded machine only makes the answer later, never wrong)."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\n"
                  f"Content-Type: application/octet-stream\r\n"
                  f"Content-Length: {length}\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data


@pytest.mark.parametrize(("which", "path", "limit"), [
    ("http", "/ocsp", OCSP_MAX_BODY),
    ("app", "/api/v1/ca/requests", DEFAULT_MAX_BODY),
    ("app", "/login", DEFAULT_MAX_BODY),
])
def test_declared_length_refused_before_the_body(servers: dict[str, int], which: str,
                                                 path: str, limit: int) -> None:
    head = _declare_only(servers[which], path, 10**9)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    ok = _declare_only(servers[which], path, 0)
    assert not ok.startswith(b"HTTP/1.1 413")
    # Just over the limit is refused too; a bad Content-Length is not a way around it.
    assert _declare_only(servers[which], path, limit + 1).startswith(b"HTTP/1.1 413")


def test_api_refusal_is_the_json_error_body(servers: dict[str, int]) -> None:
    r = httpx.post(f"http://127.0.0.1:{servers['app']}/api/v1/ca/requests",
                   content=b"x" * (DEFAULT_MAX_BODY + 1), timeout=10)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"


def _streamed(app: Any, path: str, *, chunk: int, chunks: int) -> tuple[int, int]:
    """POST a chunked body (no Content-Length); returns the status and how many chunks
    the application pulled before answering."""
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(chunks):
            pulled += 1
            yield b"\x30" * chunk

    async def go() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.post(path, content=body(),
                             headers={"Content-Type": "application/ocsp-request"})
            return r.status_code

    return asyncio.run(go()), pulled


def test_chunked_body_cut_off_at_the_limit(samples: Samples) -> None:
    app = create_http_app(samples.ctx, https_port=8443)
    status, pulled = _streamed(app, "/ocsp", chunk=4096, chunks=10_000)  # 40 MB offered
    assert status == 413
    assert pulled <= OCSP_MAX_BODY // 4096 + 2, f"the app read {pulled} chunks"
    status, _ = _streamed(app, "/ocsp", chunk=100, chunks=2)
    assert status == 200  # small bodies still reach the responder (a malformed answer)
    api = create_app(samples.ctx)
    status, pulled = _streamed(api, "/api/v1/ca/requests", chunk=65536, chunks=1000)
    assert status == 413
    assert pulled <= DEFAULT_MAX_BODY // 65536 + 2
