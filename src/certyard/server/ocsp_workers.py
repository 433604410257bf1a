"""Running the plain-HTTP/OCSP listener: in the ``certyard serve`` process, and in extra
worker processes that share its port (``SO_REUSEPORT``: the kernel spreads connections).

Each process loads the whole pre-signed set before its socket accepts anything (no
warm-up that clients see), then refreshes it when a change marker in the database moves
(polled every ``poll_seconds``), at once when this process itself changed a response, and
on SIGHUP.

The parent supervises the workers with :class:`OcspWorkers`, the same
:class:`~certyard.server.workers.WorkerPool` as the HTTPS workers: a worker that dies is
logged with its exit reason, reaped and replaced after a back-off; a worker whose parent is
gone (a lifeline pipe reads end-of-file) stops, so no orphan keeps the port; SIGTERM/SIGINT
drain it (the port stays open ``--drain-seconds``, requests in progress get up to
``--grace-seconds``; a repeated one does not escalate), the parent's second signal
(``EXIT_NOW``) stops it at once.

    python -m certyard.server.ocsp_workers --host H --port P --https-port Q \
        --lifeline-fd R --ready-fd W

is what ``certyard serve --ocsp-workers N`` starts N-1 times; it reads the same
environment (CERTYARD_HOME, CERTYARD_DATABASE_URL...) as the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

from certyard.ca.ocsp import add_change_listener, remove_change_listener
from certyard.ca.ocsp_fast import PresignedSet
from certyard.context import AppContext
from certyard.server.ocsp_listener import FastPathServer
from certyard.server.workers import (
    EXIT_NOW,
    WorkerPool,
    reuseport_socket,
    run_event_loop,
    say_ready,
    worker_lifeline,
)

__all__ = ["OcspWorkers", "reuseport_socket", "run_event_loop", "run_listener"]

log = logging.getLogger("certyard.server")


class OcspWorkers(WorkerPool):
    """The parent's side: start, watch, signal and stop ``count`` OCSP workers."""

    kind = "OCSP"
    module = "certyard.server.ocsp_workers"

    def __init__(self, count: int, *, host: str, port: int, https_port: int,
                 drain_seconds: float, grace_seconds: float,
                 server_name: str | None = None) -> None:
        super().__init__(count, [
            "--host", host, "--port", str(port), "--https-port", str(https_port),
            "--drain-seconds", repr(drain_seconds), "--grace-seconds", repr(grace_seconds),
            *(["--server-name", server_name] if server_name else [])],
            drain_seconds=drain_seconds, grace_seconds=grace_seconds)


async def run_listener(ctx: AppContext, app: Any, bind: Callable[[], list[socket.socket]],
                       stop: asyncio.Event,
                       *, poll_seconds: float = 1.0,
                       on_ready: Callable[[FastPathServer], None] | None = None,
                       reread: asyncio.Event | None = None) -> FastPathServer:
    """Serve the sockets ``bind`` returns until ``stop`` is set. ``bind`` is called only
    once the pre-signed set is loaded: a worker joins the SO_REUSEPORT group (and the
    kernel starts handing it connections) when it can answer them at once. ``on_ready``
    is called once connections are accepted; setting ``reread`` re-reads the pre-signed
    set at once (SIGHUP). Returns the server (for its counters and open connections)."""
    loop = asyncio.get_running_loop()
    presigned = PresignedSet(ctx)
    await asyncio.to_thread(presigned.load)
    from certyard.clock import SystemClock

    server = FastPathServer(presigned, app, now=time.time if isinstance(
        ctx.clock, SystemClock) else lambda: ctx.clock.now().timestamp())
    changed = reread if reread is not None else asyncio.Event()

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


async def _worker(args: argparse.Namespace) -> None:
    from certyard.context import open_context
    from certyard.ops.logs import AccessLog, configure_logging
    from certyard.server.app import create_http_app
    from certyard.server.health import ServerState

    # As the parent: CERTYARD_LOG_* from it. No worker=PID filter on the handler (its own
    # lines name the PID): a filter would take the access log off its batched path.
    configure_logging(default_level="info")
    ctx = open_context()
    stop = asyncio.Event()
    reread = asyncio.Event()
    loop = asyncio.get_running_loop()
    # /readyz here answers as the parent's: 503 from the first stop signal on.
    health = ServerState()
    exit_now_sent = False

    def drain() -> None:
        # From anyone (systemd signals the whole control group): a repeated one waits on.
        if health.draining:
            return
        health.draining = True
        log.info("OCSP worker %d: shutting down, the port closes in %g s", os.getpid(),
                 args.drain_seconds)
        if args.drain_seconds > 0:
            loop.call_later(args.drain_seconds, stop.set)
        else:
            stop.set()

    def exit_now() -> None:  # the parent's second stop signal
        nonlocal exit_now_sent
        drain()
        exit_now_sent = True
        stop.set()

    def hup() -> None:
        log.info("OCSP worker %d: SIGHUP: re-reading the pre-signed OCSP responses",
                 os.getpid())
        reread.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, drain)
    loop.add_signal_handler(EXIT_NOW, exit_now)
    loop.add_signal_handler(signal.SIGHUP, hup)
    worker_lifeline(loop, args.lifeline_fd, "OCSP", drain)
    try:
        server = await run_listener(
            ctx, AccessLog(create_http_app(ctx, https_port=args.https_port, state=health,
                                           server_name=args.server_name), listener="http"),
            lambda: [reuseport_socket(args.host, args.port)], stop,
            on_ready=lambda _server: say_ready(args.ready_fd), reread=reread)
        # Requests passed to the full app when the port closed get up to grace to finish.
        deadline = loop.time() + args.grace_seconds
        while (not exit_now_sent and loop.time() < deadline
               and any(conn.busy for conn in server.connections)):
            await asyncio.sleep(0.05)
        server.access.flush()
    finally:
        ctx.engine.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="certyard-ocsp-worker")
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--drain-seconds", type=float, default=0.0)
    parser.add_argument("--grace-seconds", type=float, default=30.0)
    parser.add_argument("--server-name", default=None)  # where plain HTTP redirects
    parser.add_argument("--lifeline-fd", type=int, required=True)
    parser.add_argument("--ready-fd", type=int, required=True)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    # Until the loop's handlers are in place, SIGTERM and SIGINT stop the worker at once and
    # SIGHUP is ignored (the periodic poll picks up what it asked for).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    run_event_loop(_worker(args))


if __name__ == "__main__":
    main()
