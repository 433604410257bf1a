"""The scheduled probe of the inventory (``JOBS``)."""

from __future__ import annotations

from typing import Any

from certyard.jobs import Job

__all__ = ["JOBS", "PROBE_JOB"]

PROBE_JOB = "probe.inventory"


def _run(ctx: Any) -> object:
    from certyard.probe.inventory import run_probes

    return run_probes(ctx)

JOBS = (Job(PROBE_JOB, 3600, _run),)
