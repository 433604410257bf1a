"""A replica killed (-9) in the middle of a job: its lease, renewed while it lived, runs
out within the ttl and another replica takes the job over (PostgreSQL, real processes)."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time

import pytest

from certyard.config import Settings
from certyard.context import open_context
from certyard.jobs.lease import acquire_lease
from tests.conftest import make_database_url

pytestmark = pytest.mark.slow  # quick lane: pytest -m "not slow"

VICTIM = """
import datetime as dt, time
from certyard import jobs
from certyard.config import Settings
from certyard.context import open_context

def slow(ctx):
    print("running", flush=True)
    time.sleep(120)

ctx = open_context(Settings.from_env(__import__("os").environ))
jobs.run_due_jobs(ctx, [jobs.Job("zz.scale_slow", 3600, slow)], holder="victim",
                  ttl=dt.timedelta(seconds=2))
"""


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
        # Twice the ttl later the victim still holds it: its heartbeat renews the lease.
        time.sleep(4.5)
        assert proc.poll() is None
        assert not acquire_lease(ctx, "zz.scale_slow", holder="survivor", force=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        # Killed, it renews no more: the lease runs out and the survivor takes the job over.
        # A generous deadline, not a clock assertion: a loaded machine only makes it later.
        deadline = time.monotonic() + 180
        while not acquire_lease(ctx, "zz.scale_slow", holder="survivor", force=True):
            assert time.monotonic() < deadline, "lease not taken over"
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.kill()
        ctx.engine.dispose()
