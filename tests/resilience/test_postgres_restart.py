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
from collections.abc import Callable, Iterator
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
from tests.support.peers import requires_peer
from tests.support.ports import listening_socket
from tests.support.postgres import PostgresServer, find_pg_bin

pytestmark = [pytest.mark.slow,
              requires_peer(find_pg_bin() is not None, "PostgreSQL",
                            install="apt-get install postgresql")]


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
        with httpx.Client(timeout=30) as c:
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
        with httpx.Client(base_url=self.url, timeout=30, headers=headers) as c:
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


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Polls ``condition`` until it holds; a generous deadline only catches a real hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


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

    socks = [listening_socket(), listening_socket()]  # port 0: the ports the kernel gave
    port, http_port = (int(sk.getsockname()[1]) for sk in socks)
    servers = [uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=p,
                                             log_level="critical", lifespan="off"))
               for app, p in ((create_app(ctx), port),
                              (create_http_app(ctx, https_port=port), http_port))]
    threads = [threading.Thread(target=srv.run, kwargs={"sockets": [sk]}, daemon=True)
               for srv, sk in zip(servers, socks, strict=True)]
    for t in threads:
        t.start()
    wait_until(lambda: all(srv.started for srv in servers), "the server to start")
    load = Load(url=f"http://127.0.0.1:{port}", token=token,
                ocsp_url=f"http://127.0.0.1:{http_port}/ocsp", ocsp_der=ocsp_der)
    workers = [threading.Thread(target=w, daemon=True)
               for w in (load.worker, load.worker, load.ocsp_worker)]

    def seen(kind: str, status: int, since: float, count: int = 1) -> bool:
        return sum(1 for r in list(load.results) if r.kind == kind and r.status == status
                   and r.at > since) >= count

    def recovered(since: float) -> bool:  # the last few answers of each kind are 200
        for kind in ("api", "ocsp"):
            mine = [r for r in list(load.results) if r.kind == kind and r.at > since]
            if len(mine) < 3 or any(r.status != 200 for r in mine[-3:]):
                return False
        return True

    # Phases end on conditions, not on a clock: a loaded machine only makes them longer.
    try:
        for w in workers:
            w.start()
        wait_until(lambda: seen("api", 200, 0, 3) and seen("ocsp", 200, 0, 3),
                   "requests to succeed before the outage")
        halt_at = time.monotonic()
        own_postgres.halt("fast")
        down_at = time.monotonic()
        wait_until(lambda: seen("api", 503, down_at) and seen("ocsp", 503, down_at),
                   "an API and an OCSP 503 while the database is down")
        own_postgres.resume()
        up_at = time.monotonic()
        wait_until(lambda: recovered(up_at), "requests to succeed again after the restart")
    finally:
        load.stop.set()
        for w in workers:
            w.join(timeout=60)
        for srv in servers:
            srv.should_exit = True
        for t in threads:
            t.join(timeout=60)
        ctx.engine.dispose()
        for sk in socks:
            sk.close()

    results = list(load.results)
    before = [r for r in results if r.at + r.took < halt_at]
    during = [r for r in results if r.at > down_at and r.at + r.took < up_at]
    after = [r for r in results if r.at > up_at]
    assert before and during and after, (len(before), len(during), len(after))
    assert all(r.status == 200 for r in before), [r for r in before if r.status != 200][:3]
    for r in during + after:
        # Every request is answered (the client waits up to 30 s: no hang, no dead server),
        # and an answer without the database is a clean 503, never another 5xx.
        assert r.status is not None, f"no answer around the outage: {r.body}"
        assert r.status in (200, 503), r
        if r.status == 503 and r.kind == "api":
            assert '"database_unavailable"' in r.body, r  # the JSON error body
    assert not any(t.is_alive() for t in threads)
