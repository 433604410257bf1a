"""Enrolled agents: each agent client certificate the CA issued, for which node, when and
on whose token, when it was last seen, and its revocation.

Revoking an agent revokes its client certificate at the CA (so the TLS layer's revocation
check and the credential check both refuse it: it can neither fetch state nor renew) and
marks the credential revoked. Revoking by node ends every live agent credential of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from certyard.audit import record_event
from certyard.db.models import Node
from certyard.db.models.agent import AgentCredential
from certyard.errors import Conflict, InvalidInput, NotFound
from certyard.store import resolve_node

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["EnrolledAgentView", "list_enrolled_agents", "revoke_agents"]

REVOKE_REASONS = ("cessationOfOperation", "keyCompromise", "superseded", "unspecified")


@dataclass(frozen=True, kw_only=True)
class EnrolledAgentView:
    id: int
    node: str
    serial: str
    fingerprint_sha256: str
    enrolled_at: dt.datetime
    enrolled_by: str
    last_seen_at: dt.datetime | None
    not_after: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None

    @property
    def state(self) -> str:
        return "revoked" if self.revoked_at else "active"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k, v in d.items():
            if isinstance(v, dt.datetime):
                d[k] = v.isoformat()
        d["state"] = self.state
        return d


def _view(c: AgentCredential, node: str) -> EnrolledAgentView:
    return EnrolledAgentView(
        id=c.id, node=node, serial=c.serial, fingerprint_sha256=c.fingerprint_sha256,
        enrolled_at=c.created_at, enrolled_by=c.enrolled_by or "unknown",
        last_seen_at=c.last_seen_at, not_after=c.not_after, revoked_at=c.revoked_at,
        revoked_by=c.revoked_by)


def list_enrolled_agents(ctx: AppContext, *, node: str | None = None,
                         include_inactive: bool = False) -> list[EnrolledAgentView]:
    """Agent credentials, newest first; by default only the live ones (not revoked, not
    expired)."""
    now = ctx.clock.now()
    with ctx.read() as s:
        q = select(AgentCredential, Node.name).join(Node, Node.id == AgentCredential.node_id)
        if node:
            q = q.where(Node.id == resolve_node(s, node).id)
        out = []
        for c, name in s.execute(q.order_by(AgentCredential.id.desc())):
            if include_inactive or (c.revoked_at is None and c.not_after > now):
                out.append(_view(c, name))
        return out


def revoke_agents(ctx: AppContext, *, serial: str | None = None, node: str | None = None,
                  reason: str = "cessationOfOperation") -> list[EnrolledAgentView]:
    """Revoke one agent (by its certificate serial) or every live agent of a node."""
    from certyard.ca import revoke_certificate
    from certyard.ca.crl import parse_serial

    if (serial is None) == (node is None):
        raise InvalidInput("name an agent certificate serial or a node, not both",
                           field="serial")
    if reason not in REVOKE_REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(REVOKE_REASONS)}", field="reason")
    now = ctx.clock.now()
    with ctx.read() as s:
        q = select(AgentCredential.serial).where(AgentCredential.revoked_at.is_(None))
        if serial is not None:
            wanted = parse_serial(serial)
            if s.scalar(select(AgentCredential.id).where(
                    AgentCredential.serial == wanted)) is None:
                raise NotFound("agent certificate", serial)
            q = q.where(AgentCredential.serial == wanted)
            if not list(s.scalars(q)):
                raise Conflict(f"agent certificate {serial} is already revoked")
        else:
            n = resolve_node(s, node or "")
            q = q.where(AgentCredential.node_id == n.id, AgentCredential.not_after > now)
        serials = list(s.scalars(q))
    for sn in serials:
        try:
            revoke_certificate(ctx, sn, reason=reason)
        except (Conflict, NotFound):
            pass  # already revoked at the CA, or issued by a CA since replaced
    done: list[EnrolledAgentView] = []
    with ctx.transaction() as s:
        for c in s.scalars(select(AgentCredential).where(AgentCredential.serial.in_(serials))):
            c.revoked_at, c.revoked_by = now, ctx.actor.name[:64]
            name = s.get(Node, c.node_id).name  # type: ignore[union-attr]
            record_event(s, ctx, action="agent.revoke", target=name,
                         details={"serial": c.serial, "reason": reason})
            done.append(_view(c, name))
    return done
