"""Extra HTTPS worker processes: ``certyard serve --https-workers N`` (N-1 of them).

One Python process is CPU-bound on one core; the HTTPS app (web UI, REST API, ACME) scales
to more cores by running in N processes that each bind the HTTPS port with
``SO_REUSEPORT`` (the kernel spreads new connections over them; it lets only processes of
the same user join the group). Each worker runs the same app as the parent: uvicorn on
uvloop with httptools, the same guards and limits, TLS from the same reloader. The parent
alone runs the background jobs and the plain-HTTP/OCSP listener.

The parent supervises them with :class:`HttpsWorkers`, the shared
:class:`~certyard.server.workers.WorkerPool` (lifeline and ready pipes, signal forwarding,
logged restarts with back-off). A worker drains on SIGTERM/SIGINT from anyone and never
escalates on a repeated one; the parent's second signal (``EXIT_NOW``) stops it at once;
SIGHUP reloads its TLS material.

    python -m certyard.server.https_workers --host H --port P --http-port Q --count N \
        --lifeline-fd R --ready-fd W

reads the same environment (CERTYARD_HOME, CERTYARD_DATABASE_URL...) as the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from certyard.server.workers import (
    EXIT_NOW,
    FIRST_BACKOFF,
    MAX_BACKOFF,
    STABLE_SECONDS,
    WorkerPool,
    name_records,
    run_event_loop,
    say_ready,
    worker_lifeline,
)

__all__ = ["FIRST_BACKOFF", "MAX_BACKOFF", "STABLE_SECONDS", "HttpsWorkers"]


class HttpsWorkers(WorkerPool):
    """The parent's side: start, watch, signal and stop ``count`` HTTPS workers."""

    kind = "HTTPS"
    module = "certyard.server.https_workers"

    def __init__(self, count: int, *, host: str, port: int, drain_seconds: float,
                 grace_seconds: float, reload_every: float, http_port: int = 0) -> None:
        super().__init__(count, [
            "--host", host, "--port", str(port), "--http-port", str(http_port),
            "--count", str(count + 1), "--drain-seconds", repr(drain_seconds),
            "--grace-seconds", repr(grace_seconds), "--reload-every", repr(reload_every)],
            drain_seconds=drain_seconds, grace_seconds=grace_seconds)


# -- the worker process ------------------------------------------------------------------------
async def _worker(args: argparse.Namespace) -> None:
    import uvicorn

    from certyard.context import open_context
    from certyard.http.tls import TlsReloader
    from certyard.ops.logs import configure_logging
    from certyard.server.app import create_app
    from certyard.server.health import ServerState
    from certyard.server.https_listener import (
        Shutdown,
        https_config,
        reload_tls,
        settle_heap,
        watch_tls,
    )
    from certyard.server.workers import reuseport_socket

    configure_logging(default_level="info")  # as the parent: CERTYARD_LOG_* from it
    name_records(os.getpid())
    ctx = open_context(create=False)
    loop = asyncio.get_running_loop()
    try:
        state = ServerState(tls_loaded=False)
        reloader = TlsReloader(ctx)
        state.tls_loaded = True
        # What the Settings page shows: the listeners of the whole `serve`, as the parent.
        state.listeners = {"host": args.host, "https_port": args.port,
                           "http_port": args.http_port, "https_workers": args.count}
        cfg = https_config(create_app(ctx, state=state), args.host, args.port,
                           args.grace_seconds)
        cfg.ssl = reloader.live
        srv = uvicorn.Server(cfg)
        shutdown = Shutdown(state, [srv], args.drain_seconds)

        def drain() -> None:
            # Whoever sends it: systemd signals the whole control group and a terminal the
            # whole process group, so the parent's forwarded copy may be the second one.
            if not state.draining:
                shutdown()

        def exit_now() -> None:  # the parent's second stop signal
            drain()
            shutdown()

        pending: set[asyncio.Task[object]] = set()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, drain)
        loop.add_signal_handler(EXIT_NOW, exit_now)
        loop.add_signal_handler(signal.SIGHUP, lambda: pending.add(
            loop.create_task(reload_tls(reloader, announce=False))))

        worker_lifeline(loop, args.lifeline_fd, "HTTPS", drain)

        async def announce() -> None:
            while not srv.started:
                if srv.should_exit:
                    return
                await asyncio.sleep(0.02)
            say_ready(args.ready_fd)

        tasks = [loop.create_task(announce()),
                 loop.create_task(watch_tls(reloader, args.reload_every,
                                            lambda: state.draining))]
        settle_heap()
        try:
            await srv._serve(sockets=[reuseport_socket(args.host, args.port)])
        finally:
            for task in tasks:
                task.cancel()
    finally:
        ctx.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="certyard-https-worker")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--count", type=int, default=2)
    parser.add_argument("--drain-seconds", type=float, default=0.0)
    parser.add_argument("--grace-seconds", type=float, default=30.0)
    parser.add_argument("--reload-every", type=float, default=3.0)
    parser.add_argument("--lifeline-fd", type=int, required=True)
    parser.add_argument("--ready-fd", type=int, required=True)
    args = parser.parse_args(argv)
    # Until the loop's handlers are in place, SIGTERM and SIGINT stop the worker at once and
    # SIGHUP is ignored (the periodic TLS check picks up what it asked for).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    run_event_loop(_worker(args))


if __name__ == "__main__":
    main()
