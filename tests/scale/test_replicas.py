"""Two ``certyard serve`` replicas on one PostgreSQL: health endpoints, a mixed load at a
fixed rate with one replica killed (-9) half-way, jobs taken over by the survivor, and the
database checked afterwards (no lost or duplicated issuance or audit record, chain intact);
then graceful shutdown of the survivor under load."""

from __future__ import annotations

import base64
import datetime as dt
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from certyard.config import Settings
from certyard.context import open_context
from certyard.db.models.audit import AuditEvent
from certyard.db.models.ca import CaIssued, CaRequest
from certyard.db.models.monitor import JobLease
from tests.conftest import make_database_url
from tests.scale.replicas import Cluster, MixedLoad, make_csrs, start_cluster
from tests.support.cli import run_cli

pytestmark = pytest.mark.slow  # quick lane: pytest -m "not slow"

LOAD_SECONDS = 16.0
KILL_AT = 8.0
RATES = {"issue": 2.0, "list": 2.0, "ocsp": 6.0, "signin": 0.25}


@pytest.fixture
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    url = make_database_url(request, "postgresql", tmp_path / "db")
    env = {"CERTYARD_DATABASE_URL": url,
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    c = start_cluster(env, tmp_path, count=2, jobs=True)
    try:
        yield c
    finally:
        c.stop()


def _ctx(c: Cluster, tmp: Path):  # type: ignore[no-untyped-def]
    return open_context(Settings.from_env({**c.env, "CERTYARD_HOME": str(tmp / "checker")}))


def test_health_endpoints_need_no_sign_in(cluster):
    for r in cluster.replicas:
        for base in (r.url, r.http_url):
            h = httpx.get(f"{base}/healthz", verify=False)
            assert h.status_code == 200 and h.json() == {"status": "ok"}
            ready = httpx.get(f"{base}/readyz", verify=False)
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": True, "migrations": True,
                                              "tls": True, "accepting": True}
            assert ready.headers["cache-control"] == "no-store"


def test_mixed_load_survives_kill_of_one_replica(cluster, tmp_path):
    survivor, victim = cluster.replicas
    load = MixedLoad(cluster.replicas, token=cluster.token, user=cluster.user,
                     issuer=cluster.issuer, serials=cluster.serials,
                     csrs=make_csrs(int(LOAD_SECONDS * RATES["issue"]) + 5))
    ctx = _ctx(cluster, tmp_path)
    killed: dict[str, dt.datetime] = {}

    def kill() -> None:
        now = dt.datetime.now(dt.timezone.utc)
        os.kill(victim.proc.pid, signal.SIGKILL)
        killed["at"] = now
        # The dead replica held the CRL job's lease (what kill -9 during a run leaves
        # behind, with a short ttl so the test need not wait the default 60 s),
        # and every job is due now.
        with ctx.transaction() as s:
            s.execute(update(JobLease).values(next_run_at=now))
            s.execute(update(JobLease).where(JobLease.name == "ca.crl_refresh").values(
                holder=f"{socket.gethostname()}:{victim.proc.pid}:dead",
                lease_until=now + dt.timedelta(seconds=3)))
        killed["lease_until"] = now + dt.timedelta(seconds=3)

    try:
        result = load.run(LOAD_SECONDS, RATES, at={KILL_AT: kill})
        print("\n" + result.summary())
        assert victim.proc.wait(5) == -signal.SIGKILL
        assert result.errors == [], result.errors[:5]
        assert result.interrupted <= 24  # only requests in flight on the victim
        # Every kind of request was answered; throughput and latency are figures of
        # benchmarks/replicas.py, not assertions here (a busy machine must stay green).
        assert result.issued
        for op in RATES:
            assert result.latencies.get(op), op

        # The survivor serves on, and ran every job after the kill; the dead replica's
        # lease was respected until it expired, then taken over.
        assert httpx.get(f"{survivor.http_url}/readyz").status_code == 200
        deadline = time.monotonic() + 15
        while True:
            with ctx.read() as s:
                rows = list(s.scalars(select(JobLease)))
            if rows and all(r.last_finished_at and r.last_finished_at >= killed["at"]
                            and r.holder == "" for r in rows):
                break
            assert time.monotonic() < deadline, [(r.name, r.holder, r.last_started_at)
                                                 for r in rows]
            time.sleep(0.5)
        crl = next(r for r in rows if r.name == "ca.crl_refresh")
        assert crl.last_started_at >= killed["lease_until"]
        assert all(r.last_error == "" for r in rows), [(r.name, r.last_error) for r in rows]

        with ctx.read() as s:
            n, distinct = s.execute(select(func.count(CaIssued.id),
                                           func.count(func.distinct(CaIssued.serial)))).one()
            assert n == distinct
            by_request = dict(s.execute(select(CaIssued.request_id, func.count(CaIssued.id))
                                        .where(CaIssued.request_id.is_not(None))
                                        .group_by(CaIssued.request_id)).all())
            assert all(v == 1 for v in by_request.values())
            for req_id, serial in result.issued.items():
                row = s.scalar(select(CaIssued).where(CaIssued.serial == serial))
                assert row is not None and row.request_id == req_id
            issued_requests = set(s.scalars(select(CaRequest.id).where(
                CaRequest.state == "issued")))
            assert issued_requests == set(by_request)
            audit = dict(s.execute(select(AuditEvent.target, func.count(AuditEvent.id))
                                   .where(AuditEvent.action == "ca.request.issue")
                                   .group_by(AuditEvent.target)).all())
            assert audit == {f"request {i}": 1 for i in issued_requests}
        v = run_cli({**cluster.env, "CERTYARD_HOME": str(tmp_path / "checker")},
                    "audit", "verify")
        assert v.code == 0, v.stderr
    finally:
        ctx.engine.dispose()


def test_sigterm_finishes_in_flight_requests(cluster, tmp_path):
    target = cluster.replicas[0]
    csrs = make_csrs(8)
    codes: list[int | str] = []

    def submit(csr: str) -> None:
        try:
            r = httpx.post(f"{target.url}/api/v1/ca/requests", verify=False,
                           json={"csr": csr}, timeout=30,
                           headers={"Authorization": f"Bearer {cluster.token}"})
            codes.append(r.status_code)
        except httpx.HTTPError as e:
            codes.append(type(e).__name__)

    threads = [threading.Thread(target=submit, args=(c,)) for c in csrs]
    for t in threads:
        t.start()
    time.sleep(0.05)
    target.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(30)
    assert target.proc.wait(30) == 0, target.output()
    # Each request either completed (201) or was refused at connect after the listener
    # closed; none was cut off mid-way.
    assert all(c in (201, "ConnectError") for c in codes), codes
    assert 201 in codes
    ctx = _ctx(cluster, tmp_path)
    try:
        with ctx.read() as s:
            assert all(r.holder == "" for r in s.scalars(select(JobLease)))
    finally:
        ctx.engine.dispose()
