"""PostgreSQL stopped and started again under load, with the server left running.

A live server (the HTTPS application under uvicorn on 127.0.0.1, plain HTTP for the test)
on a PostgreSQL this test owns, requests in a loop from two threads. While the database is
down every request must fail cleanly and quickly (a 5xx with the JSON error body, never a
hang, never a dead server); once it is back, requests succeed again without restarting
anything. The session's shared PostgreSQL is not touched: others' tests run on it.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text

from certyard import accounts, cluster
from certyard.clock import SystemClock
from certyard.config import Settings
from certyard.context import open_context
from certyard.server import create_app
from tests.agent.conftest import free_port
from tests.support.postgres import PostgresServer, find_pg_bin

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(find_pg_bin() is None, reason="PostgreSQL not installed")]


@dataclass
class Outcome:
    at: float
    status: int | None  # None: no answer (timeout or connection error)
    took: float
    body: str = ""


@dataclass
class Load:
    url: str
    token: str
    results: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def worker(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=10, headers=headers) as c:
            i = 0
            while not self.stop.is_set():
                i += 1
                path = ("/api/v1/nodes", "/api/v1/certificates", "/api/v1/me")[i % 3]
                t0 = time.monotonic()
                try:
                    r = c.get(path)
                    out = Outcome(t0, r.status_code, time.monotonic() - t0, r.text[:300])
                except httpx.HTTPError as exc:
                    out = Outcome(t0, None, time.monotonic() - t0, repr(exc))
                self.results.append(out)
                time.sleep(0.02)


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    pg = PostgresServer()
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()


def test_requests_fail_cleanly_and_recover(own_postgres: PostgresServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = create_engine(own_postgres.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text('CREATE DATABASE "certyard"'))
    admin.dispose()
    env = {"CERTYARD_HOME": str(tmp_path / "home"),
           "CERTYARD_DATABASE_URL": own_postgres.url("certyard"),
           "CERTYARD_MASTER_KEY": base64.b64encode(b"r" * 32).decode()}
    ctx = open_context(Settings.from_env(env), clock=SystemClock())
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    accounts.create_user(ctx, "ops", role="System Administrator", password="Sturdy-Pass-42",
                         must_change_password=False)
    token = accounts.create_token(ctx, "ops", name="load")[1]

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port,
                                           log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    load = Load(url=f"http://127.0.0.1:{port}", token=token)
    workers = [threading.Thread(target=load.worker, daemon=True) for _ in range(2)]
    try:
        for w in workers:
            w.start()
        time.sleep(1.0)
        own_postgres.halt("fast")
        down_at = time.monotonic()
        time.sleep(2.5)
        own_postgres.resume()
        up_at = time.monotonic()
        time.sleep(2.5)
    finally:
        load.stop.set()
        for w in workers:
            w.join(timeout=15)
        server.should_exit = True
        thread.join(timeout=15)
        ctx.engine.dispose()

    before = [r for r in load.results if r.at < down_at - 0.1]
    during = [r for r in load.results if down_at + 0.2 < r.at < up_at - 0.1]
    after = [r for r in load.results if r.at > up_at + 1.0]
    assert before and during and after, (len(before), len(during), len(after))
    assert all(r.status == 200 for r in before), [r for r in before if r.status != 200][:3]
    for r in during:
        assert r.status is not None, f"no answer while the database was down: {r.body}"
        assert r.took < 5, f"a request hung {r.took:.1f}s while the database was down"
        assert r.status in (200, 503) or 500 <= r.status < 600, r
        if r.status != 200:
            assert r.status == 503 and '"error"' in r.body, r  # the JSON error body
    assert any(r.status == 503 for r in during), "nothing noticed the outage"
    assert all(r.status == 200 for r in after), [r for r in after if r.status != 200][:3]
    assert not thread.is_alive()
