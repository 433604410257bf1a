"""The home page's answers at a glance: what expires next, what waits for approval, which
alarms are raised, which nodes do not hold their current certificates, and whether the
certificate this server serves is sound. Each part is read only when the caller may see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from certyard.errors import CertyardError

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["Dashboard", "dashboard_summary"]


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    expiring: list[Any] = field(default_factory=list)  # store EntryView, soonest first
    pending: list[Any] = field(default_factory=list)  # ca RequestView
    alarms: list[Any] = field(default_factory=list)  # raised (not cleared) AlarmView
    nodes_out_of_sync: list[Any] = field(default_factory=list)  # AgentStatusView
    nodes_without_agent: list[str] = field(default_factory=list)
    served: list[Any] = field(default_factory=list)  # ServedCertificate
    counts: dict[str, int] = field(default_factory=dict)


def dashboard_summary(ctx: AppContext, *, privileges: frozenset[str], limit: int = 8) -> Dashboard:
    from certyard.alarms import list_alarms
    from certyard.monitor.own_cert import served_certificates

    values: dict[str, Any] = {"counts": {}}
    if "certificates:read" in privileges:
        from certyard import store

        soonest = [e for kind in ("identity", "trust") for e in store.find_entries(
            ctx, type=kind, sort="expiration", page_size=limit).items
            if e.not_after is not None]
        values["expiring"] = sorted(soonest, key=lambda e: e.not_after or 0)[:limit]  # type: ignore[arg-type,return-value]
        values["served"] = served_certificates(ctx)
    if "ca:read" in privileges:
        from certyard import ca

        try:
            pending = ca.list_requests(ctx, state="pending")
        except CertyardError:  # no CA set up
            pending = []
        values["pending"] = pending[:limit]
        values["counts"]["pending"] = len(pending)
    if "monitoring:read" in privileges:
        raised = list_alarms(ctx, active_only=True)
        values["alarms"] = raised[:limit]
        values["counts"]["alarms"] = len(raised)
    if "nodes:read" in privileges:
        from certyard import cluster

        rows, _open = cluster.list_agent_status(ctx)
        values["nodes_out_of_sync"] = [r for r in rows if r.enrolled and not r.current]
        values["nodes_without_agent"] = [r.node for r in rows if not r.enrolled]
        values["counts"]["nodes"] = len(rows)
    return Dashboard(**values)
