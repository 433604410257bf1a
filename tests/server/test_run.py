"""server/run.py: `certyard serve` runs the one declared stack (uvloop + httptools), the
stack the benchmarks measure, and never uvicorn's silent fallback to asyncio/h11."""

from __future__ import annotations

from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from certyard.server import run


def test_listeners_use_httptools_and_uvloop() -> None:
    cfg = run._config(FastAPI(), "127.0.0.1", 0, 1.0)
    assert issubclass(cfg.http_protocol_class, HttpToolsProtocol)  # the guarded httptools
    # The fast-path listener and its worker processes run on uvloop's loop.
    import asyncio

    import uvloop

    from certyard.server.ocsp_workers import run_event_loop

    async def loop_type() -> type:
        return type(asyncio.get_running_loop())

    assert issubclass(run_event_loop(loop_type()), uvloop.Loop)
