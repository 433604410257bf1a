"""A real agent server (mutual TLS on 127.0.0.1) over the test database, and node homes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from certyard import ca, cluster
from tests.support.ports import listening_socket


class AgentServer:
    """Binds port 0 (``port=0``, the default) and reports the port it got in ``.port``;
    pass a port only to restart on the same one."""

    def __init__(self, ctx: Any, port: int = 0) -> None:
        self.sock: socket.socket | None = None
        if not port:
            self.sock = listening_socket()
            port = int(self.sock.getsockname()[1])
        self.ctx, self.port = ctx, port
        self.url = f"https://127.0.0.1:{port}"
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        from certyard.server.agent_listener import build_server

        self.server = build_server(self.ctx, host="127.0.0.1", port=self.port,
                                   names=["localhost", "127.0.0.1"])
        if self.sock is None:  # a restart: the same port again
            self.sock = socket.socket()
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("127.0.0.1", self.port))
            self.sock.listen(128)
        self.thread = threading.Thread(target=self.server.run, daemon=True,
                                       kwargs={"sockets": [self.sock]})
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
        if self.sock is not None:
            self.sock.close()
            self.sock = None


@pytest.fixture
def cluster3(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    cluster.add_node(ctx, "sub1", fqdn="sub1.example.com")
    cluster.add_node(ctx, "sub2", fqdn="sub2.example.com")
    ca.init_ca(ctx, common_name="Cluster Agent CA")
    return ctx


@pytest.fixture
def agent_server(cluster3) -> Iterator[AgentServer]:  # type: ignore[no-untyped-def]
    srv = AgentServer(cluster3)
    srv.start()
    yield srv
    srv.stop()
