"""Background jobs (expiry scan, revocation checks, CRL refresh, probes, outbox delivery).

Rooms register jobs at import time; ``certyard serve`` runs ``run_scheduler`` in a thread.
The monitoring room owns this package (database leases so one replica runs a job at a time).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Job", "register_job", "registered_jobs", "run_job_once", "run_scheduler"]

log = logging.getLogger("certyard.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[Any], object]


_JOBS: dict[str, Job] = {}


def register_job(name: str, every_seconds: float, fn: Callable[[Any], object]) -> None:
    _JOBS[name] = Job(name, every_seconds, fn)


def registered_jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda j: j.name)


def run_job_once(ctx: Any, name: str) -> object:
    return _JOBS[name].run(ctx)


def run_scheduler(ctx: Any, stop: threading.Event, *, tick: float = 1.0) -> None:
    """Run every registered job on its interval until ``stop`` is set."""
    next_run: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for job in registered_jobs():
            if next_run.get(job.name, 0.0) <= now:
                next_run[job.name] = now + job.every_seconds
                try:
                    job.run(ctx)
                except Exception:  # a failing job must not stop the others
                    log.exception("job %s failed", job.name)
        stop.wait(tick)
