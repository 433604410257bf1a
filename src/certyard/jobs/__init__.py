"""Background jobs (expiry scan, revocation checks, CRL refresh, probes, outbox delivery).

Each room declares its jobs as values (``JOBS``, a tuple of :class:`Job`); nothing registers
on import. The explicit list of what runs is ``certyard.ops.jobs.all_jobs()``, which
``certyard serve`` hands to ``run_scheduler`` in a thread.
Several replicas may run the scheduler against one database: a lease row per job
(``certyard.jobs.lease``) makes one replica run each due job, and the next-run time is kept
in the database so the interval holds across replicas and restarts.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from certyard.jobs.lease import PROCESS_HOLDER, acquire_lease, lease_state, release_lease

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["Job", "find_job", "lease_state", "run_due_jobs", "run_job_once", "run_scheduler"]

log = logging.getLogger("certyard.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[AppContext], object]

    def __post_init__(self) -> None:
        if self.every_seconds <= 0:
            raise ValueError("every_seconds must be positive")


def find_job(jobs: Sequence[Job], name: str) -> Job | None:
    return next((j for j in jobs if j.name == name), None)


def run_job_once(ctx: AppContext, jobs: Sequence[Job], name: str) -> object:
    """Run a job now in this process, without the lease (an administrator's request)."""
    job = find_job(jobs, name)
    if job is None:
        raise KeyError(name)
    return job.run(ctx)


def _keep_lease(ctx: AppContext, name: str, holder: str, ttl: dt.timedelta,
                done: threading.Event) -> None:
    """Renew a running job's lease every third of its ttl, so the ttl can be short: a
    replica killed mid-job loses the lease within ``ttl`` and another takes the job over."""
    while not done.wait(ttl.total_seconds() / 3):
        try:
            if not acquire_lease(ctx, name, holder=holder, ttl=ttl, force=True):
                log.warning("job %s: lease taken over by another replica", name)
                return
        except Exception:  # database unavailable: try again at the next beat
            log.exception("renewing lease for job %s", name)


def run_due_jobs(ctx: AppContext, jobs: Sequence[Job], *, holder: str = PROCESS_HOLDER,
                 ttl: dt.timedelta = dt.timedelta(seconds=60)) -> list[str]:
    """One scheduler pass: run each job that is due and whose lease this holder gets.
    Returns the names run here. The lease is renewed while the job runs."""
    ran: list[str] = []
    for job in sorted(jobs, key=lambda j: j.name):
        try:
            if not acquire_lease(ctx, job.name, holder=holder, ttl=ttl):
                continue
        except Exception:  # database unavailable: try again next tick
            log.exception("lease for job %s", job.name)
            continue
        error = ""
        done = threading.Event()
        beat = threading.Thread(target=_keep_lease, args=(ctx, job.name, holder, ttl, done),
                                name=f"lease-{job.name}", daemon=True)
        beat.start()
        try:
            job.run(ctx)
        except Exception as e:  # a failing job must not stop the others
            log.exception("job %s failed", job.name)
            error = f"{type(e).__name__}: {e}"
        finally:
            done.set()
            beat.join()
        ran.append(job.name)
        try:
            release_lease(ctx, job.name, holder=holder,
                          every=dt.timedelta(seconds=job.every_seconds), error=error)
        except Exception:
            log.exception("releasing lease for job %s", job.name)
    return ran


def run_scheduler(ctx: AppContext, stop: threading.Event, jobs: Sequence[Job], *,
                  tick: float = 1.0, holder: str = PROCESS_HOLDER) -> None:
    """Run each of ``jobs`` on its interval until ``stop`` is set."""
    while not stop.is_set():
        run_due_jobs(ctx, jobs, holder=holder)
        stop.wait(tick)
