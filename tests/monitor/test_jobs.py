"""Job leases: one replica at a time, shared schedule, a dead holder's lease expires."""

from __future__ import annotations

import datetime as dt
import threading

from certyard import jobs
from certyard.context import open_context
from certyard.jobs.lease import acquire_lease, release_lease


def test_only_one_replica_runs_a_due_job(ctx, clock):
    calls: list[str] = []
    job = [jobs.Job("test.count", 60, lambda c: calls.append("x"))]
    other = open_context(ctx.settings, clock=clock)  # a second replica
    try:
        assert "test.count" in jobs.run_due_jobs(ctx, job, holder="replica-a")
        assert "test.count" not in jobs.run_due_jobs(other, job, holder="replica-b")
        clock.advance(dt.timedelta(seconds=61))
        assert "test.count" in jobs.run_due_jobs(other, job, holder="replica-b")
        assert "test.count" not in jobs.run_due_jobs(ctx, job, holder="replica-a")
    finally:
        other.engine.dispose()
    assert len(calls) == 2


def test_dead_holder_lease_expires(ctx, clock):
    assert acquire_lease(ctx, "j", holder="dead", ttl=dt.timedelta(minutes=10))
    assert not acquire_lease(ctx, "j", holder="alive", ttl=dt.timedelta(minutes=10))
    clock.advance(dt.timedelta(minutes=11))
    assert acquire_lease(ctx, "j", holder="alive", ttl=dt.timedelta(minutes=10))
    release_lease(ctx, "j", holder="alive", every=dt.timedelta(hours=1))
    # the dead holder's late release changes nothing
    release_lease(ctx, "j", holder="dead", every=dt.timedelta(seconds=0))
    assert not acquire_lease(ctx, "j", holder="dead")
    state = {r["name"]: r for r in jobs.lease_state(ctx)}
    assert state["j"]["holder"] == ""


def test_concurrent_acquire_single_winner(ctx):
    winners: list[str] = []
    barrier = threading.Barrier(4)

    def attempt(h: str) -> None:
        barrier.wait()
        if acquire_lease(ctx, "race", holder=h):
            winners.append(h)

    threads = [threading.Thread(target=attempt, args=(f"r{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_failing_job_records_error_and_others_run(ctx):
    def boom(c):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    ran: list[int] = []
    listed = [jobs.Job("test.boom", 60, boom), jobs.Job("test.ok", 60, lambda c: ran.append(1))]
    done = jobs.run_due_jobs(ctx, listed, holder="a")
    assert {"test.boom", "test.ok"} <= set(done) and ran == [1]
    state = {r["name"]: r for r in jobs.lease_state(ctx)}
    assert "boom" in state["test.boom"]["last_error"]


def test_the_job_list_is_explicit_and_complete():
    """What serve runs is the list in certyard.ops.jobs; importing rooms registers nothing."""
    import certyard.server.app  # noqa: F401  (imports every room)
    from certyard.ops.jobs import all_jobs

    assert not hasattr(jobs, "register_job")
    names = [j.name for j in all_jobs()]
    assert names == sorted(set(names))
    assert {"accounts.housekeeping", "acme.nonce_sweep", "acme.validation_resume",
            "audit.syslog_forward", "ca.crl_refresh",
            "ca.ocsp_presign", "monitor.expiry_scan", "monitor.outbox",
            "monitor.revocation_checks", "monitor.served_certificate",
            "probe.inventory"} == set(names)
