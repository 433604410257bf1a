"""Running both listeners in one event loop, the TLS reloader and the job scheduler."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Any

import uvicorn

from certyard.server.app import create_app, create_http_app
from certyard.server.tls import TlsReloader

__all__ = ["serve"]

log = logging.getLogger("certyard.server")


def _config(app: Any, host: str, port: int) -> uvicorn.Config:
    # No access log: URLs stay out of logs (they never carry secrets, but belt and braces).
    cfg = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off",
                         access_log=False, proxy_headers=False, server_header=False)
    cfg.load()
    return cfg


async def _main(ctx: Any, host: str, https_port: int, http_port: int,
                stop: threading.Event, reload_every: float) -> None:
    reloader = TlsReloader(ctx)
    https_cfg = _config(create_app(ctx), host, https_port)
    https_cfg.ssl = reloader.live
    servers = [uvicorn.Server(https_cfg)]
    if http_port:
        servers.append(uvicorn.Server(_config(create_http_app(ctx, https_port=https_port),
                                              host, http_port)))

    def shutdown() -> None:
        stop.set()
        for srv in servers:
            srv.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, shutdown)
        except (NotImplementedError, RuntimeError):
            pass

    async def watch_tls() -> None:
        while not stop.is_set():
            await asyncio.sleep(reload_every)
            ready = await asyncio.to_thread(reloader.prepare)
            if ready is not None:
                reloader.apply(*ready)

    watcher = asyncio.create_task(watch_tls())
    try:
        await asyncio.gather(*(srv._serve() for srv in servers))
    finally:
        watcher.cancel()
        stop.set()


def serve(ctx: Any, *, host: str, https_port: int, http_port: int,
          reload_every: float = 3.0, jobs: bool = True) -> None:
    stop = threading.Event()
    if jobs:
        from certyard.jobs import run_scheduler

        threading.Thread(target=run_scheduler, args=(ctx, stop), name="certyard-jobs",
                         daemon=True).start()
    asyncio.run(_main(ctx, host, https_port, http_port, stop, reload_every))
