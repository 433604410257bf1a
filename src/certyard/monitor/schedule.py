"""The monitor's background jobs (``JOBS``; run by the scheduler of ``certyard serve``).

The intervals are how often each job looks; what it does is governed by the settings
(expiry notices once per Notification Frequency period; revocation checks per Check Every,
and promptly for newly uploaded certificates, which have no status yet)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from certyard.jobs import Job

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["JOBS", "JOB_NAMES"]


def _expiry(ctx: AppContext) -> object:
    from certyard.monitor.expiry import scan_expiry

    return scan_expiry(ctx)


def _revocation(ctx: AppContext) -> object:
    from certyard.monitor.revocation import run_revocation_checks

    return run_revocation_checks(ctx)


def _outbox(ctx: AppContext) -> object:
    from certyard.monitor.notify import deliver_outbox

    return deliver_outbox(ctx)


def _served(ctx: AppContext) -> object:
    from certyard.monitor.own_cert import check_served_certificates

    return check_served_certificates(ctx)


JOB_NAMES = ("monitor.expiry_scan", "monitor.revocation_checks", "monitor.outbox",
             "monitor.served_certificate")

JOBS = (Job("monitor.expiry_scan", 600, _expiry),
        Job("monitor.revocation_checks", 60, _revocation),
        Job("monitor.outbox", 30, _outbox),
        Job("monitor.served_certificate", 60, _served))
