"""The revocation state of stored certificates: one answer for the list, the details page,
the dashboard, the API and the CLI.

Two sources, in order of authority:

1. the built-in CA's own record, for certificates it issued (matched by issuer and serial):
   revoked / on hold / good is a fact here, known the moment the CA changes it;
2. otherwise the latest revocation check (OCSP or CRL) of the monitor.

No row at all: the state is "not checked" (an uploaded certificate before its first check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from certyard.db.models import StoreEntry
from certyard.db.models.ca import CaCertificate, CaIssued
from certyard.db.models.monitor import RevocationStatus

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["RevocationState", "revocation_states"]


@dataclass(frozen=True, kw_only=True)
class RevocationState:
    entry_id: int
    status: str  # good | revoked | hold | unknown | error | unchecked
    source: str  # "built-in CA" | "OCSP ..." | "CRL ..." | ""
    since: dt.datetime | None  # revoked or put on hold at
    reason: str | None
    checked_at: dt.datetime | None
    detail: str = ""

    @property
    def label(self) -> str:
        return {"good": "Good", "revoked": "Revoked", "hold": "On hold",
                "unknown": "Unknown", "error": "Check failed",
                "unchecked": "Not checked"}.get(self.status, self.status)

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in self.__dict__.items()} | {"label": self.label}


def revocation_states(
    ctx: AppContext, entry_ids: list[int] | None = None,
) -> dict[int, RevocationState]:
    """entry id -> state, for the given store entries (None: every certificate entry)."""
    out: dict[int, RevocationState] = {}
    with ctx.read() as s:
        q = select(StoreEntry.id, StoreEntry.serial, StoreEntry.issuer).where(
            StoreEntry.type != "csr")
        if entry_ids is not None:
            if not entry_ids:
                return out
            q = q.where(StoreEntry.id.in_(entry_ids))
        entries = list(s.execute(q))
        ca_subjects = set(s.scalars(select(CaCertificate.subject)))
        serials = [e.serial for e in entries if e.serial and e.issuer in ca_subjects]
        issued = {r.serial: r for r in s.scalars(select(CaIssued).where(
            CaIssued.serial.in_(serials)))} if serials else {}
        keys = [f"store:{e.id}" for e in entries]
        checks = {r.cert_key: r for r in s.scalars(select(RevocationStatus).where(
            RevocationStatus.cert_key.in_(keys)))} if keys else {}
        for e in entries:
            row = issued.get(e.serial or "") if e.issuer in ca_subjects else None
            check = checks.get(f"store:{e.id}")
            if row is not None:
                out[e.id] = RevocationState(
                    entry_id=e.id, status=row.status, source="built-in CA",
                    since=row.revoked_at, reason=row.revocation_reason,
                    checked_at=check.checked_at if check else None)
            elif check is not None:
                out[e.id] = RevocationState(
                    entry_id=e.id, status=check.status, source=check.source,
                    since=check.revoked_at, reason=None, checked_at=check.checked_at,
                    detail=check.detail or "")
            else:
                out[e.id] = RevocationState(entry_id=e.id, status="unchecked", source="",
                                            since=None, reason=None, checked_at=None)
    return out
