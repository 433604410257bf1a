"""Replicas benchmark: throughput of issuance and OCSP with two ``certyard serve`` replicas
on one PostgreSQL against one replica, on this machine.

Same database, same client both ways; the second replica sits idle during the one-replica
runs. OCSP: ``wrk`` (benchmarks/_load.py) sending nonce-free RFC 6960 GET requests for a
set of issued certificates, one wrk per replica so no balancer's CPU is measured.
Issuance: a closed loop of Python clients (submit a CSR over the CA API, then issue it),
spread over the replicas. Then a mixed load (issue, list, OCSP, sign-in) at a fixed rate
for ``--mixed-seconds`` on both replicas, with p99 per operation.

    python benchmarks/replicas.py [--seconds 10] [--mixed-seconds 60] [--certs 200]
Needs PostgreSQL (Debian postgresql) and wrk (Debian wrk) for the OCSP part.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import create_engine, text

from benchmarks._common import bench_dir, require_installed_stack  # noqa: F401  (checks on import)
from benchmarks._load import have_wrk, run_wrk
from tests.scale.replicas import (
    Cluster,
    MixedLoad,
    Replica,
    make_csrs,
    ocsp_request,
    start_cluster,
)
from tests.support.postgres import PostgresServer


def _database(admin_url: str) -> str:
    eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text('CREATE DATABASE "bench_replicas"'))
    eng.dispose()
    return admin_url.rsplit("/", 1)[0] + "/bench_replicas"


def _ocsp_rate(c: Cluster, replicas: list[Replica], paths: list[str], seconds: float,
               connections: int) -> tuple[float, float, int]:
    """(requests/s summed, worst p99 ms, errors) with one wrk per replica in parallel."""
    results: list = []

    def one(r: Replica) -> None:
        results.append(run_wrk(r.http_url, paths, seconds=seconds,
                               connections=max(1, connections // len(replicas))))

    threads = [threading.Thread(target=one, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (sum(x.rate for x in results), max(x.p99_ms for x in results),
            sum(x.errors for x in results))


def _issue_rate(c: Cluster, replicas: list[Replica], seconds: float,
                workers: int) -> tuple[float, int]:
    """Issuances per second (submit + issue), closed loop, and errors."""
    csrs = make_csrs(int(seconds * 60) + 50)
    lock = threading.Lock()
    done = [0, 0]
    headers = {"Authorization": f"Bearer {c.token}"}
    end = time.monotonic() + seconds

    def worker(i: int) -> None:
        r = replicas[i % len(replicas)]
        with httpx.Client(verify=False, timeout=30, headers=headers) as h:
            while time.monotonic() < end:
                with lock:
                    if not csrs:
                        return
                    csr = csrs.pop()
                try:
                    sub = h.post(f"{r.url}/api/v1/ca/requests", json={"csr": csr})
                    iss = h.post(f"{r.url}/api/v1/ca/requests/{sub.json()['id']}/issue",
                                 json={})
                    ok = iss.status_code == 200
                except Exception:
                    ok = False
                with lock:
                    done[0 if ok else 1] += 1

    t0 = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, range(workers)))
    return done[0] / (time.monotonic() - t0), done[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--mixed-seconds", type=float, default=60)
    ap.add_argument("--certs", type=int, default=200)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=8)
    args = ap.parse_args()

    pg = PostgresServer()
    admin = pg.start()
    base = bench_dir("certyard-bench-replicas-")
    env = {"CERTYARD_DATABASE_URL": _database(admin),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    c = start_cluster(env, base, count=2, jobs=False, preissue=args.certs)
    try:
        print(f"cores: {os.cpu_count()}; PostgreSQL, client and replicas share them")
        paths = ["/ocsp/" + urllib.parse.quote(base64.b64encode(
            ocsp_request(c.issuer, s)).decode(), safe="") for s in c.serials]
        one, two = c.replicas[:1], c.replicas
        if have_wrk():
            _ocsp_rate(c, two, paths, 2, args.connections)  # warm both caches
            r1, p1, e1 = _ocsp_rate(c, one, paths, args.seconds, args.connections)
            r2, p2, e2 = _ocsp_rate(c, two, paths, args.seconds, args.connections)
            print(f"{'OCSP (GET, nonce-free)':<28} 1 replica {r1:9.1f}/s p99 {p1:6.1f} ms   "
                  f"2 replicas {r2:9.1f}/s p99 {p2:6.1f} ms   x{r2 / r1:4.2f}  "
                  f"errors {e1 + e2}")
        else:
            print("OCSP: wrk not installed (apt-get install wrk); skipped")
        i1, f1 = _issue_rate(c, one, args.seconds, args.workers)
        i2, f2 = _issue_rate(c, two, args.seconds, args.workers)
        print(f"{'issuance (submit+issue)':<28} 1 replica {i1:9.1f}/s               "
              f"2 replicas {i2:9.1f}/s               x{i2 / i1:4.2f}  errors {f1 + f2}")
        if args.mixed_seconds > 0:
            # Sign-ins stay under the per-address limit (10 a minute per replica, and all
            # of them come from 127.0.0.1 here), whatever the split between replicas.
            rates = {"issue": 4.0, "list": 4.0, "ocsp": 20.0, "signin": 0.15}
            load = MixedLoad(two, token=c.token, user=c.user, issuer=c.issuer,
                             serials=c.serials,
                             csrs=make_csrs(int(args.mixed_seconds * rates["issue"]) + 10))
            res = load.run(args.mixed_seconds, rates)
            print(f"mixed load on 2 replicas for {args.mixed_seconds:g} s at "
                  f"{sum(rates.values()):g} ops/s:")
            print(res.summary())
    finally:
        c.stop()
        pg.stop()
        subprocess.run(["rm", "-rf", str(base)], check=False)


if __name__ == "__main__":
    main()
