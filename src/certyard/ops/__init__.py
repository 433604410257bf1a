"""Operations: service installation, health checks (doctor), upgrades, logs and the explicit
list of background jobs (``certyard.ops.jobs.all_jobs``). Above the domain rooms, below the
delivery layers."""

from __future__ import annotations

__all__: list[str] = []
