"""A real agent server (mutual TLS on 127.0.0.1) over the test database, and node homes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from certyard import ca, cluster


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AgentServer:
    def __init__(self, ctx: Any, port: int) -> None:
        self.ctx, self.port = ctx, port
        self.url = f"https://127.0.0.1:{port}"
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        from certyard.api.agent_server import build_server

        self.server = build_server(self.ctx, host="127.0.0.1", port=self.port,
                                   names=["localhost", "127.0.0.1"])
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "agent server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            assert self.thread is not None
            self.thread.join(timeout=20)
            self.server = None


@pytest.fixture
def cluster3(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    cluster.add_node(ctx, "sub1", fqdn="sub1.example.com")
    cluster.add_node(ctx, "sub2", fqdn="sub2.example.com")
    ca.init_ca(ctx, common_name="Cluster Agent CA")
    return ctx


@pytest.fixture
def agent_server(cluster3) -> Iterator[AgentServer]:  # type: ignore[no-untyped-def]
    srv = AgentServer(cluster3, free_port())
    srv.start()
    yield srv
    srv.stop()
