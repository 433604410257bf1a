"""The syslog room's background job (``JOBS``): forward the audit trail to the remote syslog
server, and resend the backlog after an outage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from certyard.jobs import Job

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["JOBS", "SYSLOG_JOB"]

SYSLOG_JOB = "audit.syslog_forward"


def _forward(ctx: AppContext) -> object:
    from certyard.syslog.forward import deliver_backlog

    return deliver_backlog(ctx)

JOBS = (Job(SYSLOG_JOB, 10, _forward),)
