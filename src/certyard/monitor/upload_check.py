"""The revocation check after every certificate upload (seed: "checks run on every
certificate upload"), registered with the store's upload hooks by the monitor package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from certyard.context import AppContext
    from certyard.store import UploadResult

__all__ = ["check_after_upload"]


def check_after_upload(ctx: AppContext, result: UploadResult, trust: bool) -> None:
    """Identity uploads check the new entries; a trust upload may make an issuer or an
    OCSP responder known, so it re-checks the certificates whose last check failed.
    Disabled revocation checking makes this a no-op; responders are bounded by their
    timeout, results are stored per certificate and raised as alarms."""
    from certyard.monitor.revocation import list_revocation_statuses, run_revocation_checks

    if trust:
        entry_ids = [v.entry_id for v in list_revocation_statuses(ctx)
                     if v.status == "error" and v.entry_id is not None]
    else:
        entry_ids = [e.id for e in result.added]
    if entry_ids:
        run_revocation_checks(ctx, entry_ids=entry_ids)
