"""The audit room's background job: forward the audit trail to the remote syslog server
(and resend the backlog after an outage), registered with ``certyard.jobs`` on import."""

from __future__ import annotations

from typing import Any

from certyard.jobs import register_job

__all__ = ["SYSLOG_JOB"]

SYSLOG_JOB = "audit.syslog_forward"


def _forward(ctx: Any) -> object:
    from certyard.audit.syslog import deliver_backlog

    return deliver_backlog(ctx)


register_job(SYSLOG_JOB, 10, _forward)
