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
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from sqlalchemy import create_engine, text

from certyard import accounts, ca, cluster
from certyard.clock import SystemClock
from certyard.config import Settings
from certyard.context import open_context
from certyard.server import create_app, create_http_app
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
    kind: str = "api"


@dataclass
class Load:
    url: str
    token: str
    ocsp_url: str = ""
    ocsp_der: bytes = b""
    results: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def ocsp_worker(self) -> None:
        """The plain-HTTP responder: a request with a nonce always needs the database."""
        with httpx.Client(timeout=10) as c:
            while not self.stop.is_set():
                t0 = time.monotonic()
                try:
                    r = c.post(self.ocsp_url, content=self.ocsp_der,
                               headers={"Content-Type": "application/ocsp-request"})
                    out = Outcome(t0, r.status_code, time.monotonic() - t0,
                                  r.text[:300] if r.status_code != 200 else "", "ocsp")
                except httpx.HTTPError as exc:
                    out = Outcome(t0, None, time.monotonic() - t0, repr(exc), "ocsp")
                self.results.append(out)
                time.sleep(0.02)

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

    ca.init_ca(ctx, common_name="Outage CA", key_type="EC", key_size=256)
    from tests.fuzz.conftest import make_csr

    leaf = x509.load_pem_x509_certificate(ca.issue_certificate_for_csr(
        ctx, make_csr().public_bytes(Encoding.PEM), profile="server").pem.encode())
    issuer = next(c for c in x509.load_pem_x509_certificates(ca.export_ca(ctx, chain=True))
                  if c.subject == leaf.issuer)
    ocsp_der = (ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1())
                .add_extension(x509.OCSPNonce(b"o" * 16), critical=False).build()
                .public_bytes(Encoding.DER))

    port, http_port = free_port(), free_port()
    servers = [uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=p,
                                             log_level="critical", lifespan="off"))
               for app, p in ((create_app(ctx), port),
                              (create_http_app(ctx, https_port=port), http_port))]
    threads = [threading.Thread(target=srv.run, daemon=True) for srv in servers]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while not all(srv.started for srv in servers):
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    load = Load(url=f"http://127.0.0.1:{port}", token=token,
                ocsp_url=f"http://127.0.0.1:{http_port}/ocsp", ocsp_der=ocsp_der)
    workers = [threading.Thread(target=w, daemon=True)
               for w in (load.worker, load.worker, load.ocsp_worker)]
    try:
        for w in workers:
            w.start()
        time.sleep(1.0)
        halt_at = time.monotonic()
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
        for srv in servers:
            srv.should_exit = True
        for t in threads:
            t.join(timeout=15)
        ctx.engine.dispose()

    before = [r for r in load.results if r.at + r.took < halt_at]
    during = [r for r in load.results if down_at + 0.2 < r.at < up_at - 0.1]
    after = [r for r in load.results if r.at > up_at + 1.0]
    assert before and during and after, (len(before), len(during), len(after))
    assert all(r.status == 200 for r in before), [r for r in before if r.status != 200][:3]
    for r in during:
        assert r.status is not None, f"no answer while the database was down: {r.body}"
        assert r.took < 5, f"a request hung {r.took:.1f}s while the database was down"
        assert r.status in (200, 503) or 500 <= r.status < 600, r
        if r.status != 200:
            assert r.status == 503, r
            if r.kind == "api":
                assert '"database_unavailable"' in r.body, r  # the JSON error body
    assert any(r.status == 503 for r in during if r.kind == "api"), "no API 503 in the outage"
    assert any(r.status == 503 for r in during if r.kind == "ocsp"), "no OCSP 503 in the outage"
    assert all(r.status == 200 for r in after), (
        up_at, [(round(r.at - up_at, 2), r.status) for r in load.results if r.at > up_at])
    assert not any(t.is_alive() for t in threads)
