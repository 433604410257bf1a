"""Running both listeners in one event loop, the TLS reloader and the job scheduler.

Graceful shutdown (SIGTERM or SIGINT): readiness turns 503 at once (``draining``) so a load
balancer stops sending; after ``drain_seconds`` uvicorn closes the listening sockets, closes
idle keep-alive connections and waits up to ``grace_seconds`` for in-flight requests to
finish; the scheduler thread is told to stop and joined, so a running job completes and
releases its lease instead of being cut off (a lease cut off would block the job on every
replica until its ttl runs out). A second signal exits at once.

The plain-HTTP listener (and the ``--ocsp-port`` one) is not uvicorn: it is the OCSP fast
path of ``server/ocsp_listener.py``, which answers pre-signed OCSP responses itself and
passes every other request to the same plain-HTTP ASGI app. ``ocsp_workers`` > 1 starts
that many minus one extra processes sharing the OCSP port (or the plain-HTTP port when no
OCSP port is given) with SO_REUSEPORT (``server/ocsp_workers.py``).

``https_workers`` > 1 starts that many minus one extra processes running the HTTPS app on
the HTTPS port with SO_REUSEPORT (``server/https_workers.py``): they get every signal this
process gets (drain, reload) and are restarted when they die; background jobs and the
plain-HTTP listener stay in this process.

Both kinds of worker are supervised alike (``server/workers.py``): they get every signal
this process gets (drain; a second one: stop at once; SIGHUP: TLS reload in HTTPS workers,
re-reading the pre-signed responses in OCSP workers and here), a dead one is logged,
reaped and replaced after a back-off, and each stops by itself when this process is gone.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import math
import signal
import socket
import threading
from typing import Any

import uvicorn

from certyard.context import AppContext
from certyard.http.tls import TlsReloader
from certyard.ops.logs import AccessLog
from certyard.ops.notify import notify, watchdog_interval
from certyard.server.app import create_app, create_http_app
from certyard.server.health import ServerState
from certyard.server.https_listener import (
    Shutdown,
    https_config,
    reload_tls,
    settle_heap,
    watch_tls,
)
from certyard.server.https_workers import HttpsWorkers
from certyard.server.ocsp_workers import OcspWorkers, run_listener
from certyard.server.workers import WorkerPool, reuseport_socket, run_event_loop

__all__ = ["check_listen_options", "probe_listeners", "serve"]

log = logging.getLogger("certyard.server")

# The one server stack, declared in pyproject.toml and measured by benchmarks/: uvloop's
# event loop (workers.run_event_loop) and the httptools HTTP parser
# (guard.http_protocol_class), each imported without a fallback.


def check_listen_options(*, host: str, https_port: int, http_port: int, ocsp_port: int = 0,
                         drain_seconds: float = 0.0, grace_seconds: float = 30.0,
                         server_name: str | None = None, https_workers: int = 1) -> None:
    """Refuse values ``serve`` cannot use before anything is created (InvalidInput)."""
    from certyard.errors import InvalidInput
    from certyard.ops.service import valid_host, valid_port

    valid_host(host)
    if server_name is not None:
        try:
            valid_host(server_name)
        except InvalidInput:
            raise InvalidInput(f"server-name must be a DNS name or an IP address, not "
                               f"{server_name!r}", field="server_name") from None
    valid_port(https_port, "https-port")
    for name, value in (("http-port", http_port), ("ocsp-port", ocsp_port)):
        if value:  # 0: that listener is off
            valid_port(value, name)
    used = [p for p in (https_port, http_port, ocsp_port) if p]
    if len(set(used)) != len(used):
        raise InvalidInput("https-port, http-port and ocsp-port must be different ports",
                           field="http_port")
    if not 1 <= https_workers <= 64:
        raise InvalidInput("https-workers must be a whole number from 1 to 64",
                           field="https_workers")
    for name, secs, top in (("drain-seconds", drain_seconds, 300),
                            ("grace-seconds", grace_seconds, 3600)):
        if not math.isfinite(secs) or not 0 <= secs <= top:
            raise InvalidInput(f"{name} must be a number of seconds from 0 to {top}",
                               field=name.replace("-", "_"))


def probe_listeners(host: str, ports: list[int]) -> None:
    """Bind (and release) each port once, so a busy port is one clear error before the
    store is opened rather than a failure inside the event loop."""
    from certyard.errors import ExternalServiceError, InvalidInput, PermissionDenied

    for port in [p for p in ports if p]:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
        except socket.gaierror as exc:
            raise InvalidInput(f"cannot listen on {where}: {exc.strerror}",
                               field="host") from None
        family, kind, proto, _, addr = infos[0]
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(addr)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            if exc.errno == errno.EADDRINUSE:
                raise ExternalServiceError(f"cannot listen on {where}: {reason}") from None
            if exc.errno == errno.EACCES:
                raise PermissionDenied(f"cannot listen on {where}: {reason} (a port below "
                                       "1024 needs CAP_NET_BIND_SERVICE)") from None
            raise InvalidInput(f"cannot listen on {where}: {reason}", field="host") from None


_config = https_config  # the name tests and older callers use


def _stack() -> str:
    """What this process serves with, for the start line (the one stack of the lock)."""
    import httptools
    import uvloop

    return (f"uvicorn-{uvicorn.__version__}+uvloop-{uvloop.__version__}"
            f"+httptools-{httptools.__version__}")


_STACK = _stack()


async def _main(ctx: AppContext, host: str, https_port: int, http_port: int,
                stop: threading.Event, reload_every: float, drain_seconds: float,
                grace_seconds: float, ocsp_port: int = 0, ocsp_workers: int = 1,
                server_name: str | None = None, https_workers: int = 1) -> None:
    pool: HttpsWorkers | None = None
    pools: list[WorkerPool] = []
    # Started first: they boot while this process does.
    if https_workers > 1:
        pool = HttpsWorkers(https_workers - 1, host=host, port=https_port,
                            drain_seconds=drain_seconds, grace_seconds=grace_seconds,
                            reload_every=reload_every, http_port=http_port)
        pools.append(pool)
    plain_port = ocsp_port or http_port
    if plain_port and ocsp_workers > 1:
        pools.append(OcspWorkers(ocsp_workers - 1, host=host, port=plain_port,
                                 https_port=https_port, drain_seconds=drain_seconds,
                                 grace_seconds=grace_seconds, server_name=server_name))
    try:
        for each in pools:
            each.start()
        await _listen(ctx, host, https_port, http_port, stop, reload_every, drain_seconds,
                      grace_seconds, ocsp_port, server_name, pool, pools)
    finally:  # also when this process failed to start: no worker outlives it
        for each in pools:
            if not each.stopping:
                each.begin_stop()
        for each in pools:
            await asyncio.to_thread(each.stop)


async def _listen(ctx: AppContext, host: str, https_port: int, http_port: int,
                  stop: threading.Event, reload_every: float, drain_seconds: float,
                  grace_seconds: float, ocsp_port: int, server_name: str | None,
                  pool: HttpsWorkers | None, pools: list[WorkerPool]) -> None:
    https_workers = 1 + (pool.count if pool is not None else 0)
    state = ServerState(tls_loaded=False)
    reloader = TlsReloader(ctx)
    state.tls_loaded = True
    state.listeners = {"host": host, "https_port": https_port, "http_port": http_port,
                       "https_workers": https_workers}
    https_cfg = https_config(create_app(ctx, state=state), host, https_port, grace_seconds)
    https_cfg.ssl = reloader.live
    servers = [uvicorn.Server(https_cfg)]
    plain = [p for p in (http_port, ocsp_port) if p]
    plain_stop = asyncio.Event()
    plain_ready = asyncio.Event()
    reread = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stopping() -> None:
        notify("STOPPING=1")
        stop.set()

    shutdown = Shutdown(state, servers, drain_seconds, also=stopping, on_close=plain_stop.set)

    def on_stop_signal() -> None:
        for each in pools:  # each worker drains (a second signal: exits) as this one
            each.begin_stop()
        shutdown()

    def on_hup() -> None:
        for each in pools:
            each.forward(signal.SIGHUP)
        if plain:
            reread.set()  # the pre-signed OCSP responses, read again from the database
        pending.add(loop.create_task(reload_tls(reloader)))

    pending: set[asyncio.Task[bool]] = set()
    for sig, handler in ((signal.SIGINT, on_stop_signal), (signal.SIGTERM, on_stop_signal),
                         (signal.SIGHUP, on_hup)):
        try:
            loop.add_signal_handler(sig, handler)
        except (NotImplementedError, RuntimeError):
            pass

    async def announce() -> None:
        """READY=1 once every listener (every HTTPS worker's too) accepts (systemd
        Type=notify), then the watchdog."""
        while (not all(srv.started for srv in servers) or not plain_ready.is_set()
               or not all(each.all_ready() for each in pools)):
            if stop.is_set():
                return
            await asyncio.sleep(0.05)
        notify("READY=1", f"STATUS=serving on {host}:{https_port}"
               + (f" and :{http_port}" if http_port else "")
               + (f" ({https_workers} HTTPS processes)" if pool is not None else ""))
        log.info("listening", extra={"https_port": https_port, "http_port": http_port,
                                     "https_workers": https_workers, "stack": _STACK})
        every = watchdog_interval()
        while every is not None and not stop.is_set():
            notify("WATCHDOG=1")
            await asyncio.sleep(every)

    async def supervise() -> None:
        while pools and not stop.is_set():
            for each in pools:
                each.check()  # reaps a dead worker, logs it, replaces it after a back-off
            await asyncio.sleep(0.25)

    watcher = asyncio.create_task(watch_tls(reloader, reload_every, stop.is_set))
    announcer = asyncio.create_task(announce())
    supervisor = asyncio.create_task(supervise())
    https_sockets = [reuseport_socket(host, https_port)] if pool is not None else None
    tasks: list[Any] = [srv._serve(sockets=https_sockets) for srv in servers]
    if plain:
        http_app = AccessLog(create_http_app(ctx, https_port=https_port, state=state,
                                             server_name=server_name), listener="http")
        tasks.append(run_listener(ctx, http_app,
                                  lambda: [reuseport_socket(host, p) for p in plain],
                                  plain_stop,
                                  on_ready=lambda _server: plain_ready.set(),
                                  reread=reread))
    else:
        plain_ready.set()
    settle_heap()
    try:
        await asyncio.gather(*tasks)
    finally:
        watcher.cancel()
        announcer.cancel()
        supervisor.cancel()
        stop.set()
        plain_stop.set()


def serve(ctx: AppContext, *, host: str, https_port: int, http_port: int,
          reload_every: float = 3.0, jobs: bool = True, drain_seconds: float = 0.0,
          grace_seconds: float = 30.0, ocsp_port: int = 0, ocsp_workers: int = 1,
          server_name: str | None = None, https_workers: int = 1) -> None:
    stop = threading.Event()
    scheduler: threading.Thread | None = None
    if jobs:
        from certyard.jobs import run_scheduler
        from certyard.ops.jobs import all_jobs

        scheduler = threading.Thread(target=run_scheduler, args=(ctx, stop, all_jobs()),
                                     name="certyard-jobs", daemon=True)
        scheduler.start()
    try:
        run_event_loop(_main(ctx, host, https_port, http_port, stop, reload_every,
                             drain_seconds, grace_seconds, ocsp_port, ocsp_workers,
                             server_name, https_workers))
    finally:
        stop.set()
        if scheduler is not None:
            # Let the job in progress finish and release its lease (bounded: a daemon
            # thread is abandoned after the grace period rather than holding the exit).
            scheduler.join(grace_seconds)
        ctx.engine.dispose()
        log.info("stopped")
