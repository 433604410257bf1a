"""Running the plain-HTTP/OCSP listener: in the ``certyard serve`` process, and in extra
worker processes that share its port (``SO_REUSEPORT``: the kernel spreads connections).

Each process loads the whole pre-signed set before its socket accepts anything (no
warm-up that clients see), then refreshes it when a change marker in the database moves
(polled every ``poll_seconds``) or at once when this process itself changed a response.

    python -m certyard.server.ocsp_workers --host H --port P --https-port Q

is what ``certyard serve --ocsp-workers N`` starts N-1 times; it reads the same
environment (CERTYARD_HOME, CERTYARD_DATABASE_URL...) as the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from certyard.ca.ocsp import add_change_listener, remove_change_listener
from certyard.ca.ocsp_fast import PresignedSet
from certyard.context import AppContext
from certyard.server.ocsp_listener import FastPathServer

__all__ = ["reuseport_socket", "run_listener", "spawn_workers"]


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket other processes may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def run_listener(ctx: AppContext, app: Any, bind: Callable[[], list[socket.socket]],
                       stop: asyncio.Event,
                       *, poll_seconds: float = 1.0,
                       on_ready: Callable[[FastPathServer], None] | None = None,
                       ) -> FastPathServer:
    """Serve the sockets ``bind`` returns until ``stop`` is set. ``bind`` is called only
    once the pre-signed set is loaded: a worker joins the SO_REUSEPORT group (and the
    kernel starts handing it connections) when it can answer them at once. ``on_ready``
    is called once connections are accepted. Returns the server (for its counters)."""
    loop = asyncio.get_running_loop()
    presigned = PresignedSet(ctx)
    await asyncio.to_thread(presigned.load)
    from certyard.clock import SystemClock

    server = FastPathServer(presigned, app, now=time.time if isinstance(
        ctx.clock, SystemClock) else lambda: ctx.clock.now().timestamp())
    changed = asyncio.Event()

    def notify() -> None:
        try:
            loop.call_soon_threadsafe(changed.set)
        except RuntimeError:  # the loop has closed
            pass

    add_change_listener(notify)
    servers = [await loop.create_server(server.protocol, sock=sock, backlog=2048)
               for sock in bind()]
    if on_ready is not None:
        on_ready(server)

    async def refresh() -> None:
        ticks = 0
        while not stop.is_set():
            try:
                await asyncio.wait_for(changed.wait(), poll_seconds)
            except TimeoutError:
                pass
            forced = changed.is_set()
            changed.clear()
            try:
                changes = await asyncio.to_thread(presigned.changes, force=forced)
            except Exception:  # a database restart: keep serving what we have, try again
                await asyncio.sleep(poll_seconds)
                continue
            presigned.apply(changes)
            ticks += 1
            if ticks % 60 == 0:
                presigned.drop_expired(server.clock.now())

    refresher = loop.create_task(refresh())
    stopper = loop.create_task(stop.wait())
    await asyncio.wait({refresher, stopper}, return_when=asyncio.FIRST_COMPLETED)
    refresher.cancel()
    stopper.cancel()
    remove_change_listener(notify)
    for srv in servers:
        srv.close()
    server.close()
    for conn in list(server.connections):
        if not conn.busy and conn.transport is not None:
            conn.transport.close()
    return server


def spawn_workers(count: int, *, host: str, port: int, https_port: int
                  ) -> list[subprocess.Popen[bytes]]:
    """Start ``count`` extra listener processes on ``port`` (same environment)."""
    env = dict(os.environ) | _logging_env()
    return [subprocess.Popen([sys.executable, "-m", "certyard.server.ocsp_workers",
                              "--host", host, "--port", str(port),
                              "--https-port", str(https_port)], env=env)
            for _ in range(count)]


def _logging_env() -> dict[str, str]:
    """The log format and level in force here (``serve --log-format/--log-level`` too), for
    a worker to log its access records the same way."""
    import logging

    from certyard.ops.logs import LEVELS, JournalFormatter, JsonFormatter

    root = logging.getLogger()
    level = logging.getLevelName(root.level).lower()
    env = {"CERTYARD_LOG_LEVEL": level} if level in LEVELS else {}
    for handler in root.handlers:
        if handler.get_name() == "certyard":
            fmt = handler.formatter
            env["CERTYARD_LOG_FORMAT"] = ("journal" if isinstance(fmt, JournalFormatter) else
                                          "json" if isinstance(fmt, JsonFormatter) else "text")
    return env


def stop_workers(procs: list[subprocess.Popen[bytes]], timeout: float = 10.0) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _worker(host: str, port: int, https_port: int) -> None:
    from certyard.context import open_context
    from certyard.ops.logs import AccessLog, configure_logging
    from certyard.server.app import create_http_app

    configure_logging(default_level="info")  # as the parent: CERTYARD_LOG_* from it
    ctx = open_context()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run_listener(ctx, AccessLog(create_http_app(ctx, https_port=https_port),
                                          listener="http"),
                           lambda: [reuseport_socket(host, port)], stop)
    finally:
        ctx.engine.dispose()


def run_event_loop(coro: Any) -> Any:
    """Run ``coro`` on uvloop: the one stack certyard declares and measures (no silent
    fallback to asyncio's loop; a missing uvloop is an install error)."""
    import uvloop

    return uvloop.run(coro)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="certyard-ocsp-worker")
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--https-port", type=int, default=8443)
    args = parser.parse_args(argv)
    run_event_loop(_worker(args.host, args.port, args.https_port))


if __name__ == "__main__":
    main()
