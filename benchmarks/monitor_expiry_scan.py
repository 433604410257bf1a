"""Expiry scan benchmark: N stored certificates, those inside the notification window found
and noticed (alarm + one e-mail each into the outbox), on SQLite and PostgreSQL.

Rows are synthetic store entries inserted in bulk (not_after spread over ten years, a few
already expired); the scan reads only the window through the not_after index. Side by side:
a naive scan that reads every row's not_after and filters in Python — what a scan without an
index costs, and how it grows with the store rather than the window.

    python benchmarks/monitor_expiry_scan.py [--rows 1000000] [--window-days 30]
        [--backend sqlite,postgresql] [--pg-url URL] [--no-email]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text

from benchmarks._common import fresh_context
from certyard.clock import FixedClock
from certyard.cluster import init_cluster
from certyard.db.models import StoreEntry
from certyard.monitor import scan_expiry, update_monitor_settings

COLS = ["slot", "type", "purpose", "node_id", "distribution", "common_name", "subject",
        "issuer", "serial", "not_before", "not_after", "key_type", "key_size",
        "signature_hash", "self_signed", "fingerprint_sha256", "public_sha256", "sans",
        "description", "der", "created_at"]


def synthetic_rows(n: int, now: dt.datetime, expired: int):  # type: ignore[no-untyped-def]
    rnd = random.Random(7)
    span = 3650 * 86400
    for i in range(n):
        if i < expired:
            na = now - dt.timedelta(seconds=rnd.randrange(1, 30 * 86400))
        else:
            na = now + dt.timedelta(seconds=rnd.randrange(3600, span))
        fp = f"{i:064x}"
        cn = f"host{i}.bench.example.com"
        yield (f"trust:tomcat:{fp}", "trust", "tomcat", None, "all", cn, f"CN={cn}",
               "CN=Bench Issuing CA", f"{i:x}", na - dt.timedelta(days=397), na, "EC", 256,
               "SHA256", False, fp, fp, "[]", "", b"\x30\x00", now)


def bulk_insert(ctx, rows_iter, n: int) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    raw = ctx.engine.raw_connection()
    try:
        if ctx.engine.dialect.name == "postgresql":
            cur = raw.cursor()
            with cur.copy(f"COPY store_entry ({', '.join(COLS)}) FROM STDIN") as cp:
                for r in rows_iter:
                    cp.write_row(r)
            raw.commit()
        else:
            cur = raw.cursor()
            cur.execute("BEGIN")
            marks = ", ".join("?" * len(COLS))
            fmt = "%Y-%m-%d %H:%M:%S.%f"

            def conv(r):  # type: ignore[no-untyped-def]
                r = list(r)
                for k in (9, 10, 20):
                    r[k] = r[k].astimezone(dt.timezone.utc).replace(tzinfo=None).strftime(fmt)
                return r

            batch: list = []  # type: ignore[type-arg]
            for r in rows_iter:
                batch.append(conv(r))
                if len(batch) >= 50_000:
                    cur.executemany(f"INSERT INTO store_entry ({', '.join(COLS)}) "
                                    f"VALUES ({marks})", batch)
                    batch.clear()
            if batch:
                cur.executemany(f"INSERT INTO store_entry ({', '.join(COLS)}) VALUES ({marks})",
                                batch)
            cur.execute("COMMIT")
    finally:
        raw.close()
    if ctx.engine.dialect.name == "postgresql":
        with ctx.engine.connect() as c:
            c.execute(text("ANALYZE store_entry"))
            c.commit()
    return time.perf_counter() - t0


def naive_scan(ctx, horizon: dt.datetime) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Every row's not_after read and compared in Python (no use of the index)."""
    t0 = time.perf_counter()
    with ctx.read() as s:
        n = sum(1 for (na,) in s.execute(select(StoreEntry.not_after)
                                         .execution_options(yield_per=10_000))
                if na is not None and na <= horizon)
    return time.perf_counter() - t0, n


def plan(ctx, horizon: dt.datetime) -> str:  # type: ignore[no-untyped-def]
    q = select(StoreEntry.id).where(StoreEntry.not_after <= horizon)
    with ctx.engine.connect() as c:
        compiled = q.compile(c, compile_kwargs={"literal_binds": False})
        params = compiled.params
        if ctx.engine.dialect.name == "postgresql":
            rows = c.exec_driver_sql("EXPLAIN " + str(compiled).replace(
                "%(not_after_1)s", "%(not_after_1)s"), params).all()
        else:
            rows = c.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled),
                                     tuple(params.values())).all()
    return " | ".join(str(r[-1]) for r in rows)


def run(backend: str, url: str | None, args: argparse.Namespace) -> None:
    ctx = fresh_context(url)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    clock = FixedClock(now)
    from dataclasses import replace

    ctx = replace(ctx, clock=clock)
    init_cluster(ctx, name="bench", fqdn="bench.example.com")
    update_monitor_settings(ctx, notification_start_days=args.window_days,
                            notification_frequency=1, notification_frequency_unit="days",
                            email_enabled=args.email, email_ids=["ops@example.com"])
    ins = bulk_insert(ctx, synthetic_rows(args.rows, now, args.expired), args.rows)
    horizon = now + dt.timedelta(days=args.window_days)
    print(f"[{backend}] inserted {args.rows:,} rows in {ins:.1f} s; plan: {plan(ctx, horizon)}")

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    r1 = scan_expiry(ctx)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    r2 = scan_expiry(ctx)
    again = time.perf_counter() - t0
    clock.advance(dt.timedelta(days=1))
    t0 = time.perf_counter()
    r3 = scan_expiry(ctx)
    next_period = time.perf_counter() - t0
    clock.advance(dt.timedelta(days=1))
    tracemalloc.start()
    scan_expiry(ctx)  # once more, only to measure memory (tracemalloc slows it down)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    naive_t, naive_n = naive_scan(ctx, horizon)
    print(f"[{backend}] window {args.window_days} d: {r1.in_window:,} certificates "
          f"({r1.expired} expired) of {args.rows:,}")
    print(f"[{backend}] certyard scan, first (new notices {r1.notices:,}, e-mails "
          f"{r1.emails_queued:,}): {first:.2f} s")
    print(f"[{backend}] certyard scan, same period again (notices {r2.notices}): {again:.2f} s")
    print(f"[{backend}] certyard scan, next period (notices {r3.notices:,}): "
          f"{next_period:.2f} s; peak Python memory of a scan {peak:.0f} MB (tracemalloc)")
    print(f"[{backend}] process peak RSS {rss:.0f} MB (includes the bulk insert; "
          f"{rss0 / 1024:.0f} MB before the scans)")
    print(f"[{backend}] naive full scan (reads all {args.rows:,} not_after values, finds "
          f"{naive_n:,}): {naive_t:.2f} s   -> indexed scan {naive_t / max(again, 1e-9):.1f}x "
          "faster when nothing new is due")
    ctx.engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--window-days", type=int, default=30)
    p.add_argument("--expired", type=int, default=100)
    p.add_argument("--backend", default="sqlite,postgresql")
    p.add_argument("--pg-url", default=os.environ.get("CERTYARD_BENCH_PG_URL"))
    p.add_argument("--no-email", dest="email", action="store_false")
    args = p.parse_args()
    for backend in args.backend.split(","):
        if backend == "sqlite":
            run("sqlite", None, args)
        elif backend == "postgresql":
            server = None
            url = args.pg_url
            if not url:
                from tests.support.postgres import PostgresServer

                server = PostgresServer()
                url = server.start()
            try:
                run("postgresql", url, args)
            finally:
                if server:
                    server.stop()


if __name__ == "__main__":
    main()
