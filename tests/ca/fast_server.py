"""The plain-HTTP listener of ``certyard serve`` (OCSP fast path + full app behind it) on
127.0.0.1, port 0, in a background thread with its own event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from certyard.server.ocsp_listener import FastPathServer
from certyard.server.ocsp_workers import reuseport_socket, run_event_loop, run_listener

__all__ = ["FastListener", "fast_listener"]


@dataclass
class FastListener:
    base: str
    server: FastPathServer | None = None


@contextmanager
def fast_listener(ctx: Any, *, poll_seconds: float = 0.2,
                  access_log: bool = False) -> Iterator[FastListener]:
    """``access_log``: wrap the full app in AccessLog as ``certyard serve`` does."""
    from certyard.ops.logs import AccessLog
    from certyard.server.app import create_http_app

    sock = reuseport_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    started = threading.Event()
    holder: dict[str, Any] = {}
    out = FastListener(base=f"http://127.0.0.1:{port}")

    async def main() -> None:
        stop = asyncio.Event()
        holder["loop"], holder["stop"] = asyncio.get_running_loop(), stop

        def ready(server: FastPathServer) -> None:
            out.server = server
            started.set()

        try:
            app = create_http_app(ctx, https_port=8443)
            await run_listener(ctx, AccessLog(app, listener="http") if access_log else app,
                               lambda: [sock], stop, poll_seconds=poll_seconds, on_ready=ready)
        finally:
            started.set()

    thread = threading.Thread(target=run_event_loop, args=(main(),), daemon=True)
    thread.start()
    if not started.wait(60) or out.server is None:
        raise RuntimeError("listener did not start")
    try:
        yield out
    finally:
        holder["loop"].call_soon_threadsafe(holder["stop"].set)
        thread.join(30)
