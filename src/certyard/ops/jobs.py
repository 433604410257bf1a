"""The explicit list of background jobs ``certyard serve`` runs.

Rooms declare their jobs as values (``JOBS``); nothing registers itself on import. A new job
is added here, so what the scheduler runs is visible in one place.
"""

from __future__ import annotations

from certyard.accounts.housekeeping import JOBS as ACCOUNTS_JOBS
from certyard.acme.jobs import JOBS as ACME_JOBS
from certyard.ca.jobs import JOBS as CA_JOBS
from certyard.jobs import Job
from certyard.monitor.schedule import JOBS as MONITOR_JOBS
from certyard.probe.schedule import JOBS as PROBE_JOBS
from certyard.syslog.schedule import JOBS as SYSLOG_JOBS

__all__ = ["all_jobs"]


def all_jobs() -> tuple[Job, ...]:
    """Every background job, by name."""
    jobs = (*ACCOUNTS_JOBS, *ACME_JOBS, *CA_JOBS, *MONITOR_JOBS, *PROBE_JOBS, *SYSLOG_JOBS)
    return tuple(sorted(jobs, key=lambda j: j.name))
