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


def _https(pub: Any, limits: ListenerLimits) -> tuple[int, uvicorn.Server]:
    from certyard.http.tls import TlsReloader
    from certyard.server import create_app
    from certyard.server.run import _config

    port = free_port()
    cfg = _config(create_app(pub), "127.0.0.1", port, 1, limits=limits)
    cfg.ssl = TlsReloader(pub).live
    return port, uvicorn.Server(cfg)


def _connect(port: int) -> ssl.SSLSocket:
    return _tls().wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=DEADLINE),
                              server_hostname="localhost")


@pytest.mark.parametrize("path", ["/api/v1/ca/issued", "/login"])
def test_a_body_that_never_comes_does_not_hold_the_connection(pub: Any, path: str) -> None:
    """A head announcing a body, then nothing (or a trickle that stops): closed once no
    body byte arrived for the deadline, on the issuance fast path and the framework's."""
    port, server = _https(pub, LIMITS)
    with _running(server):
        silent = _connect(port)
        silent.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                       "x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"
                       .encode())
        trickle = _connect(port)
        trickle.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                        "application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n"
                        .encode())
        start = time.monotonic()
        assert _wait(lambda: _eof(silent))
        assert _wait(lambda: _eof(trickle))
        assert time.monotonic() - start < 10  # the 1 s deadline, not for ever
        assert _wait(lambda: _get(port, "/healthz").startswith(b"HTTP/1.1 200"))


def _eof(s: ssl.SSLSocket) -> bool:
    """Closed by the server (whatever it answered first is read and dropped)."""
    s.settimeout(0.2)
    try:
        while chunk := s.recv(65536):
            del chunk
        return True
    except TimeoutError:
        return False
    except (OSError, ssl.SSLError):
        return True


def test_body_and_head_limits_are_checked() -> None:
    with pytest.raises(ValueError):
        ListenerLimits(header_timeout=10, body_seconds=5)
    with pytest.raises(ValueError):
        ListenerLimits(max_head_bytes=100)


def test_an_oversized_head_and_a_malformed_request_get_a_problem_with_the_headers(
        pub: Any) -> None:
    from certyard.http.app import SECURITY_HEADERS

    port, server = _https(pub, LIMITS)
    with _running(server):
        for request in (b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Pad: "
                        + b"a" * (LIMITS.max_head_bytes + 4096) + b"\r\n\r\n",
                        b"POST /api/v1/ca/issued HTTP/1.1\r\nHost: localhost\r\n"
                        b"Content-Length: -1\r\n\r\n"):
            with _connect(port) as s:
                try:
                    s.sendall(request)
                except OSError:
                    pass  # the server may close before the rest is read
                data = b""
                try:
                    while chunk := s.recv(65536):
                        data += chunk
                except OSError:
                    pass
            head, _, body = data.partition(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            assert status in (400, 431), data[:200]
            lines = {k.lower(): v.strip() for k, v in (
                ln.split(b":", 1) for ln in head.split(b"\r\n")[1:])}
            for name, value in SECURITY_HEADERS.items():
                assert lines[name.lower().encode()] == value.encode()
            assert b'"error"' in body
        assert _wait(lambda: _get(port, "/healthz").startswith(b"HTTP/1.1 200"))


def _issue_request(pub: Any, cn: str, pad: int = 0) -> tuple[bytes, bytes]:
    import json

    from cryptography.hazmat.primitives.serialization import Encoding

    from certyard import accounts
    from tests.ca.helpers import make_csr

    name = f"u{abs(hash(cn)) % 10**8}"
    accounts.create_user(pub, name, role="Certificate Administrator",
                         password="Correct-Horse-Battery-9", must_change_password=False)
    token = accounts.create_token(pub, name, name="t")[1]
    body = json.dumps({"csr": make_csr(cn)[1].public_bytes(Encoding.PEM).decode()})
    body = (body[:-1] + " " * pad + "}").encode()
    head = (f"POST /api/v1/ca/issued HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            f"{token}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "\r\n").encode()
    return head, body


def _status(s: ssl.SSLSocket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, "closed without an answer"
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_a_slow_but_steady_body_is_read_and_a_large_one_is_no_head(pub: Any) -> None:
    """The issuance fast path under the guards: a body arriving piece by piece (each
    within the stall deadline) is read, however long that takes up to body_seconds; a
    body larger than the head limit is a body, not a head."""
    port, server = _https(pub, LIMITS)
    with _running(server):
        head, body = _issue_request(pub, "slow.pub.example.com")
        with _connect(port) as s:
            s.sendall(head)
            step = max(1, len(body) // 8)
            for i in range(0, len(body), step):  # 8 pieces over ~4 s: 4x the deadline
                time.sleep(0.5)
                s.sendall(body[i:i + step])
            assert _status(s) == 201
        head, body = _issue_request(pub, "big.pub.example.com", pad=100_000)
        with _connect(port) as s:
            s.sendall(head + body[:70_000])
            time.sleep(0.3)
            s.sendall(body[70_000:])
            assert _status(s) == 201
