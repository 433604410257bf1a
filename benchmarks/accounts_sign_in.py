"""Sign-in failure cost by kind of name (the answer must not tell real names from unknown
ones), the cost of the database per-source throttle, and the keyed audit chain against the
old unkeyed one.

    python benchmarks/accounts_sign_in.py [--n 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import fresh_context, rate, report
from certyard import accounts
from certyard.audit import record_event
from certyard.audit.trail import chain_key, event_hash, legacy_event_hash
from certyard.errors import AuthenticationFailed


def _median_ms(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        try:
            fn()
        except AuthenticationFailed:
            pass
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=15)
    n = ap.parse_args().n
    ctx = fresh_context()
    accounts.set_auth_rules(ctx, failed_attempts=0, sign_in_source_attempts=100000)
    accounts.create_user(ctx, "real", role="Read-only", password="Sturdy-Pass-42")
    accounts.create_user(ctx, "locked", role="Read-only", password="Sturdy-Pass-42")
    accounts.set_auth_rules(ctx, failed_attempts=1)
    try:
        accounts.authenticate(ctx, "locked", "wrong")
    except AuthenticationFailed:
        pass
    accounts.set_auth_rules(ctx, failed_attempts=0)
    unknown = _median_ms(lambda: accounts.authenticate(ctx, "nobody", "wrong"), n)
    real = _median_ms(lambda: accounts.authenticate(ctx, "real", "wrong"), n)
    locked = _median_ms(lambda: accounts.authenticate(ctx, "locked", "wrong"), n)
    report("failed sign-in, real name vs unknown (ms)", real, unknown, "unknown",
           unit="ms", higher_is_better=False)
    report("failed sign-in, locked name vs unknown (ms)", locked, unknown, "unknown",
           unit="ms", higher_is_better=False)
    throttle = rate(200, lambda i: accounts.count_sign_in_attempt(ctx, f"198.51.100.{i % 50}"))
    print(f"{'per-source throttle (one upsert, SQLite)':<48} certyard {throttle:>10.1f}/s")

    def keyed(i: int) -> None:
        with ctx.transaction() as s:
            record_event(s, ctx, action="bench", target=str(i))

    key = chain_key(ctx)
    fields = {"at": "2026-01-01T00:00:00+00:00", "actor": "a", "source": "s",
              "action": "bench", "target": "t", "outcome": "success", "details": {"i": 1}}
    mac = rate(20000, lambda i: event_hash(key, "0" * 64, fields))
    sha = rate(20000, lambda i: legacy_event_hash("0" * 64, fields))
    report("audit chain link: HMAC vs old plain SHA-256", mac, sha, "sha256")
    print(f"{'audit record_event (SQLite, keyed, one commit)':<48} certyard "
          f"{rate(200, keyed):>10.1f}/s")
    ctx.engine.dispose()


if __name__ == "__main__":
    main()
