"""The probe inventory: TLS interfaces per node (like the seed's port tables), probed on a
schedule; results are stored and alarms raised (``TLSEndpointCheckFailed`` per target,
cleared when the target is clean again)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from certyard.audit import record_event
from certyard.db.models import Node
from certyard.db.models.policy import ProbeResult, ProbeTarget
from certyard.errors import Duplicate, InvalidInput, NotFound
from certyard.policy.settings import load_tls
from certyard.probe.check import check_endpoint
from certyard.probe.service import revocation_checker, trust_anchors
from certyard.probe.tlsclient import STARTTLS, parse_target
from certyard.x509 import check_dns_name

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ALARM", "TargetView", "add_target", "latest_results", "list_targets",
           "remove_target", "run_probes"]

ALARM = "TLSEndpointCheckFailed"
KEEP_RESULTS = 50  # per target


@dataclass(frozen=True, kw_only=True)
class TargetView:
    id: int
    name: str
    node: str | None
    target: str
    sni: str | None
    starttls: str | None
    trust_store: str
    enabled: bool
    last: dict[str, Any] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _view(row: ProbeTarget, node: str | None, last: ProbeResult | None) -> TargetView:
    return TargetView(
        id=row.id, name=row.name, node=node, target=f"{row.host}:{row.port}", sni=row.sni,
        starttls=row.starttls, trust_store=row.trust_store, enabled=row.enabled,
        last=None if last is None else {"checked_at": last.checked_at.isoformat(),
                                        "ok": last.ok, "flags": last.flags,
                                        "version": last.version, "error": last.error})


def add_target(ctx: AppContext, target: str, *, name: str | None = None, node: str | None = None,
               sni: str | None = None, starttls: str | None = None,
               trust_store: str = "tomcat-trust") -> TargetView:
    host, port = parse_target(target)
    if starttls is not None and starttls not in STARTTLS:
        raise InvalidInput(f"--starttls must be one of {', '.join(STARTTLS)}", field="starttls")
    if sni:
        check_dns_name(sni)
    name = name or f"{host}:{port}"
    with ctx.transaction() as s:
        trust_anchors(s, trust_store)  # the trust store must exist
        node_row = None
        if node is not None:
            node_row = s.scalar(select(Node).where((Node.name == node) | (Node.fqdn == node)))
            if node_row is None:
                raise NotFound("node", node)
        if s.scalar(select(ProbeTarget.id).where(ProbeTarget.name == name)) is not None:
            raise Duplicate(f"a probe target named {name!r} already exists")
        row = ProbeTarget(name=name, node_id=node_row.id if node_row else None, host=host,
                          port=port, sni=sni, starttls=starttls, trust_store=trust_store,
                          enabled=True, created_at=ctx.clock.now())
        s.add(row)
        s.flush()
        record_event(s, ctx, action="probe.target.add", target=name,
                     details={"target": target, "trust_store": trust_store})
        return _view(row, node_row.name if node_row else None, None)


def remove_target(ctx: AppContext, name: str) -> None:
    with ctx.transaction() as s:
        row = s.scalar(select(ProbeTarget).where(ProbeTarget.name == name))
        if row is None:
            raise NotFound("probe target", name)
        s.delete(row)
        record_event(s, ctx, action="probe.target.remove", target=name, details={})


def list_targets(ctx: AppContext) -> list[TargetView]:
    with ctx.read() as s:
        rows = s.execute(select(ProbeTarget, Node.name)
                         .outerjoin(Node, Node.id == ProbeTarget.node_id)
                         .order_by(ProbeTarget.name)).all()
        out = []
        for row, node in rows:
            last = s.scalar(select(ProbeResult).where(ProbeResult.target_id == row.id)
                            .order_by(ProbeResult.checked_at.desc(), ProbeResult.id.desc())
                            .limit(1))
            out.append(_view(row, node, last))
        return out


def latest_results(ctx: AppContext) -> list[dict[str, Any]]:
    return [t.to_dict() for t in list_targets(ctx)]


def run_probes(ctx: AppContext, *, concurrency: int = 64, timeout: float = 5.0) -> dict[str, Any]:
    """Probe every enabled target (at most ``concurrency`` at once), store the results,
    raise or clear the alarm per target. The network work happens outside transactions."""
    from concurrent.futures import ThreadPoolExecutor

    from certyard.alarms import clear_alarm, raise_alarm

    now = ctx.clock.now()
    with ctx.read() as s:
        targets = list(s.scalars(select(ProbeTarget).where(ProbeTarget.enabled.is_(True))))
        min_version = load_tls(s)["min_version"]
        anchors = {t.trust_store: trust_anchors(s, t.trust_store) for t in targets}
    checkers = {name: revocation_checker(ctx, a) for name, a in anchors.items()}
    # One memo per trust store: a chain shared by many endpoints is judged once.
    memos: dict[str, dict[Any, Any]] = {name: {} for name in anchors}

    def one(t: ProbeTarget):  # type: ignore[no-untyped-def]
        return check_endpoint(f"{t.host}:{t.port}", anchors=anchors[t.trust_store], now=now,
                              min_version=min_version, sni=t.sni, starttls=t.starttls,
                              timeout=timeout, revocation=checkers[t.trust_store],
                              memo=memos[t.trust_store])

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(targets) or 1))) as ex:
        reports = list(ex.map(one, targets))
    failed = 0
    with ctx.transaction() as s:
        for t, r in zip(targets, reports, strict=True):
            s.add(ProbeResult(target_id=t.id, checked_at=now, ok=r.ok, flags=r.flags,
                              version=r.version, cipher=r.cipher, report=r.to_dict(),
                              error=r.error))
            if r.flags:
                failed += 1
                raise_alarm(s, ctx, name=ALARM, object=t.name, severity="Error",
                            message=f"{t.name}: {', '.join(r.flags)}")
            else:
                clear_alarm(s, ctx, name=ALARM, object=t.name)
            old = s.scalars(select(ProbeResult.id).where(ProbeResult.target_id == t.id)
                            .order_by(ProbeResult.checked_at.desc(), ProbeResult.id.desc())
                            .offset(KEEP_RESULTS)).all()
            if old:
                s.execute(delete(ProbeResult).where(ProbeResult.id.in_(old)))
    return {"probed": len(targets), "failed": failed}
