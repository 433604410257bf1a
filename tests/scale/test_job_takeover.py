"""A replica killed (-9) in the middle of a job: its lease, renewed while it lived, runs
out within the ttl and another replica takes the job over (PostgreSQL, real processes)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import signal
import subprocess
import sys
import time

from certyard.config import Settings
from certyard.context import open_context
from certyard.jobs.lease import acquire_lease, lease_state
from tests.conftest import make_database_url

TTL = 9  # seconds; renewed every third of it, so a starved victim still has slack
VICTIM = f"""
import datetime as dt, time
from certyard import jobs
from certyard.config import Settings
from certyard.context import open_context

pytestmark = pytest.mark.slow  # quick lane: pytest -m "not slow"

def slow(ctx):
    print("running", flush=True)
    time.sleep(120)

jobs.register_job("zz.scale_slow", 3600, slow)
ctx = open_context(Settings.from_env(__import__("os").environ))
jobs.run_due_jobs(ctx, holder="victim", ttl=dt.timedelta(seconds={TTL}))
"""


def _lease_until(ctx) -> dt.datetime:  # type: ignore[no-untyped-def]
    until = next(r for r in lease_state(ctx) if r["name"] == "zz.scale_slow")["lease_until"]
    value = dt.datetime.fromisoformat(until)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def test_lease_of_a_killed_replica_moves_over_within_the_ttl(request, tmp_path):
    env = {"CERTYARD_DATABASE_URL": make_database_url(request, "postgresql", tmp_path / "db"),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
           "CERTYARD_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-c", VICTIM], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ctx = open_context(Settings.from_env(env))
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # other jobs of the process may run first
            if b"running" in line:
                break
        # The victim's heartbeat renews the lease (seen twice in the database), so a live
        # holder keeps it: conditions, not a clock — a loaded machine only makes them later.
        first = _lease_until(ctx)
        seen = {first}
        deadline = time.monotonic() + 180
        while len(seen) < 3:
            assert proc.poll() is None, "the victim died on its own"
            assert time.monotonic() < deadline, "the victim never renewed its lease"
            time.sleep(0.2)
            seen.add(_lease_until(ctx))
        assert not acquire_lease(ctx, "zz.scale_slow", holder="survivor", force=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(60)
        killed_at = dt.datetime.now(dt.timezone.utc)
        # What a killed holder leaves behind runs out within the ttl of its last renewal.
        left = _lease_until(ctx)
        assert left <= killed_at + dt.timedelta(seconds=TTL)
        deadline = time.monotonic() + 180
        while not acquire_lease(ctx, "zz.scale_slow", holder="survivor", force=True):
            assert time.monotonic() < deadline, "lease not taken over"
            time.sleep(0.1)
        assert dt.datetime.now(dt.timezone.utc) >= left  # taken over only once it ran out
    finally:
        if proc.poll() is None:
            proc.kill()
        ctx.engine.dispose()
