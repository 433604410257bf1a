"""A real uvicorn server on 127.0.0.1 serving ``certyard.api.public.router`` with a given
AppContext, in a background thread: what ``certyard serve`` mounts on its plain-HTTP
listener, for openssl and httpx to talk to."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from tests.support.ports import free_port, listening_socket

__all__ = ["free_port", "public_server"]



@contextmanager
def public_server(ctx: Any, *, port: int | None = None) -> Iterator[str]:
    """Yields the base URL (``http://127.0.0.1:PORT``); stops the server on exit."""
    from certyard.api.public import router

    app = FastAPI()
    app.state.ctx = ctx
    app.include_router(router)
    # Port 0 unless the caller needs a fixed one (to restart on it): the kernel's port.
    sock = listening_socket() if not port else None
    if sock is not None:
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True,
                              kwargs={"sockets": [sock]} if sock is not None else {})
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
        if sock is not None:
            sock.close()
