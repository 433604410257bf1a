"""Loopback ports for the suite's servers — the one helper every test uses.

* A server that runs in this process binds port 0 and reports the port it got:
  :func:`listening_socket` (hand the socket to uvicorn's ``Server.run(sockets=[...])``).
* A port nobody listens on: :func:`closed_port` keeps a bound socket that does not
  listen, so connections are refused and nothing else can take the port meanwhile.
* An external program that must be told its port (``certyard serve``, ``openssl s_server``,
  PostgreSQL, haproxy): :func:`free_port` reserves one *below* the kernel's ephemeral range
  (which port 0 binds and outgoing connections draw from, so they never collide with it),
  and holds an exclusive lock file for it until this process exits, so no other test
  process — another xdist worker or another run on the machine — is handed the same port.
  :func:`start_with_free_port` retries with a new port if the program still reports
  "address in use" (a foreign program may have taken it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import random
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

__all__ = ["PortInUse", "closed_port", "free_port", "in_use_message", "listening_socket",
           "start_with_free_port"]

T = TypeVar("T")
_LOCK_DIR = Path(tempfile.gettempdir()) / "certyard-test-ports"
_held: dict[int, int] = {}  # port -> fd of its lock file, for the life of the process
_guard = threading.Lock()


class PortInUse(RuntimeError):
    """The program told a port could not bind it (EADDRINUSE): try another."""


def _range() -> tuple[int, int]:
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    top = max(low - 1, 12000)
    return max(top - 12000, 10000), top


def _bindable(port: int, host: str) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError:
                return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP (and UDP) port on ``host`` reserved for this process, for a program that must
    be told its port before it binds. Prefer :func:`listening_socket` in-process."""
    _LOCK_DIR.mkdir(exist_ok=True)
    low, high = _range()
    rng = random.Random()
    with _guard:
        for _ in range(4000):
            port = rng.randint(low, high)
            if port in _held:
                continue
            fd = os.open(_LOCK_DIR / str(port), os.O_CREAT | os.O_RDWR, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            if not _bindable(port, host):
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
                continue
            _held[port] = fd
            return port
    raise RuntimeError(f"no free loopback port in {low}-{high}")


def listening_socket(host: str = "127.0.0.1", backlog: int = 128) -> socket.socket:
    """A TCP socket bound to port 0 on ``host`` and listening; ``.getsockname()[1]`` is the
    port the kernel gave it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(backlog)
    return sock


@contextlib.contextmanager
def closed_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A port where connections are refused for the duration of the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))  # bound, never listening: the kernel answers RST
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def start_with_free_port(start: Callable[[int], T], *, attempts: int = 5,
                         host: str = "127.0.0.1") -> T:
    """``start(port)`` with a reserved port; if it raises :class:`PortInUse` (or an
    ``OSError`` with EADDRINUSE), again with a new port, up to ``attempts`` times."""
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return start(free_port(host))
        except PortInUse as exc:
            last = exc
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last = exc
    raise RuntimeError(f"could not start on a free port after {attempts} tries: {last}")


def in_use_message(output: str) -> bool:
    """True when a program's output says its port was taken (for :class:`PortInUse`)."""
    text = output.lower()
    return "address already in use" in text or "eaddrinuse" in text or "errno 98" in text
