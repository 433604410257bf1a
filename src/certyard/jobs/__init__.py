"""Background jobs (expiry scan, revocation checks, CRL refresh, probes, outbox delivery).

Rooms register jobs at import time; ``certyard serve`` runs ``run_scheduler`` in a thread.
Several replicas may run the scheduler against one database: a lease row per job
(``certyard.jobs.lease``) makes one replica run each due job, and the next-run time is kept
in the database so the interval holds across replicas and restarts.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certyard.jobs.lease import PROCESS_HOLDER, acquire_lease, lease_state, release_lease

__all__ = ["Job", "lease_state", "register_job", "registered_jobs", "run_due_jobs",
           "run_job_once", "run_scheduler"]

log = logging.getLogger("certyard.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[Any], object]


_JOBS: dict[str, Job] = {}


def register_job(name: str, every_seconds: float, fn: Callable[[Any], object]) -> None:
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    _JOBS[name] = Job(name, every_seconds, fn)


def registered_jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda j: j.name)


def run_job_once(ctx: Any, name: str) -> object:
    """Run a job now in this process, without the lease (an administrator's request)."""
    return _JOBS[name].run(ctx)


def run_due_jobs(ctx: Any, *, holder: str = PROCESS_HOLDER,
                 ttl: dt.timedelta = dt.timedelta(minutes=15)) -> list[str]:
    """One scheduler pass: run each job that is due and whose lease this holder gets.
    Returns the names run here."""
    ran: list[str] = []
    for job in registered_jobs():
        try:
            if not acquire_lease(ctx, job.name, holder=holder, ttl=ttl):
                continue
        except Exception:  # database unavailable: try again next tick
            log.exception("lease for job %s", job.name)
            continue
        error = ""
        try:
            job.run(ctx)
        except Exception as e:  # a failing job must not stop the others
            log.exception("job %s failed", job.name)
            error = f"{type(e).__name__}: {e}"
        ran.append(job.name)
        try:
            release_lease(ctx, job.name, holder=holder,
                          every=dt.timedelta(seconds=job.every_seconds), error=error)
        except Exception:
            log.exception("releasing lease for job %s", job.name)
    return ran


def run_scheduler(ctx: Any, stop: threading.Event, *, tick: float = 1.0,
                  holder: str = PROCESS_HOLDER) -> None:
    """Run every registered job on its interval until ``stop`` is set."""
    while not stop.is_set():
        run_due_jobs(ctx, holder=holder)
        stop.wait(tick)
