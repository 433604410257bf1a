"""The scheduled probe of the inventory (``JOBS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from certyard.jobs import Job

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["JOBS", "PROBE_JOB"]

PROBE_JOB = "probe.inventory"


def _run(ctx: AppContext) -> object:
    from certyard.probe.inventory import run_probes

    return run_probes(ctx)

JOBS = (Job(PROBE_JOB, 3600, _run),)
