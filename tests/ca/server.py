"""A real uvicorn server on 127.0.0.1 serving ``certyard.api.public.router`` with a given
AppContext, in a background thread: what ``certyard serve`` mounts on its plain-HTTP
listener, for openssl and httpx to talk to."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

__all__ = ["free_port", "public_server"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def public_server(ctx: Any, *, port: int | None = None) -> Iterator[str]:
    """Yields the base URL (``http://127.0.0.1:PORT``); stops the server on exit."""
    from certyard.api.public import router

    app = FastAPI()
    app.state.ctx = ctx
    app.include_router(router)
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
