"""Finding 7: a request head must arrive within the header deadline, and one source (and
the listener as a whole) holds a bounded number of connections — on the agent listener and
on the HTTPS listener of ``certyard serve``."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from certyard import ca, cluster
from certyard.server.guard import ListenerLimits
from tests.support.ports import free_port

LIMITS = ListenerLimits(header_timeout=1.0, max_per_source=12, max_connections=100)
DEADLINE = 30.0  # generous: the guard closes after 1 s


@pytest.fixture
def pub(ctx: Any) -> Any:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx)
    return ctx


@contextmanager
def _running(server: uvicorn.Server) -> Iterator[None]:
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    end = time.monotonic() + DEADLINE
    while not server.started:
        assert time.monotonic() < end, "listener did not start"
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        t.join(DEADLINE)


def _tls() -> ssl.SSLContext:
    c = ssl.create_default_context()
    c.check_hostname, c.verify_mode = False, ssl.CERT_NONE
    return c


def _half_sent(port: int) -> ssl.SSLSocket:
    s = _tls().wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=DEADLINE),
                           server_hostname="localhost")
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")  # never finished
    return s


def _closed(s: ssl.SSLSocket) -> bool:
    s.settimeout(0.2)
    try:
        return s.recv(1) == b""
    except TimeoutError:
        return False
    except (OSError, ssl.SSLError):
        return True


def _wait(pred: Callable[[], bool]) -> bool:
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def _get(port: int, path: str) -> bytes:
    with _tls().wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=DEADLINE),
                            server_hostname="localhost") as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                  .encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data


def _attack(port: int, path: str) -> None:
    slow = [_half_sent(port) for _ in range(LIMITS.max_per_source)]
    try:
        # Over the per-source cap: dropped at once (well before any header deadline).
        extra = _half_sent(port)
        assert _wait(lambda: _closed(extra))
        # Every half-sent request is closed by the header deadline.
        seen_closed: set[int] = set()

        def all_closed() -> bool:
            seen_closed.update(i for i, s in enumerate(slow)
                               if i not in seen_closed and _closed(s))
            return len(seen_closed) == len(slow)

        assert _wait(all_closed)
        # A fresh client is served.
        assert _wait(lambda: _get(port, path).startswith(b"HTTP/1.1 200"))
    finally:
        for s in slow:
            s.close()


def test_agent_listener_bounds_header_time_and_connections(pub: Any) -> None:
    from certyard.server.agent_listener import build_server

    port = free_port()
    server = build_server(pub, host="127.0.0.1", port=port, names=["localhost"],
                          limits=LIMITS)
    with _running(server):
        _attack(port, "/agent/v1/ca")


def test_https_listener_bounds_header_time_and_connections(pub: Any) -> None:
    from certyard.http.tls import TlsReloader
    from certyard.server import create_app
    from certyard.server.run import _config

    port = free_port()
    cfg = _config(create_app(pub), "127.0.0.1", port, 1, limits=LIMITS)
    cfg.ssl = TlsReloader(pub).live
    with _running(uvicorn.Server(cfg)):
        _attack(port, "/healthz")
