"""Registers the scheduled probe of the inventory with ``certyard.jobs``."""

from __future__ import annotations

from typing import Any

from certyard.jobs import register_job

PROBE_JOB = "probe.inventory"


def _run(ctx: Any) -> object:
    from certyard.probe.inventory import run_probes

    return run_probes(ctx)


register_job(PROBE_JOB, 3600, _run)
