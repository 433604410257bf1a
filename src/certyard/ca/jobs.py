"""Background jobs of the CA: CRLs re-signed before nextUpdate, OCSP answers pre-signed
before they go stale. One replica runs each at a time (certyard.jobs leases)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from certyard.ca.crl import refresh_crls
from certyard.ca.ocsp import presign_responses
from certyard.errors import NotInitialised
from certyard.jobs import Job

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["JOBS"]


def _crl(ctx: AppContext) -> int:
    try:
        return refresh_crls(ctx)
    except NotInitialised:
        return 0


def _ocsp(ctx: AppContext) -> int:
    try:
        return presign_responses(ctx)
    except NotInitialised:
        return 0

JOBS = (Job("ca.crl_refresh", 600, _crl), Job("ca.ocsp_presign", 600, _ocsp))
