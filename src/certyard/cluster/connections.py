"""Secured connections (seed 004's server-client matrix; seed 003's trust-store guidance).

A connection is declared as "client service (purpose) on node A -> server service
(purpose) on node B", one-way or mutual. Trust is in place when, in each needed direction,
the presenting side's identity certificate chains (``certyard.x509.build_path``) to a
certificate in the relying side's trust store ``<purpose>-trust``:

    server -> client   the server's identity validates in the client purpose's trust store
    client -> server   (mutual only) the client's identity validates in the server's store

``fix`` establishes a missing direction the way the seed does by hand: it imports the
self-signed certificate, or the root CA that issued the certificate (found in any trust
store of the cluster), into the relying trust store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.db.models import Node, StoreEntry
from certyard.db.models.agent import SecuredConnection
from certyard.errors import Duplicate, InvalidInput, NotFound, UntrustedChain
from certyard.store import get_purpose, resolve_node
from certyard.x509 import build_path

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ConnectionView", "DirectionCheck", "add_connection", "check_connection",
           "fix_connection", "list_connections", "remove_connection"]

MODES = ("one-way", "mutual")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, kw_only=True)
class DirectionCheck:
    direction: str  # server->client | client->server
    presenter: str  # "<purpose>@<node>"
    trust_store: str
    ok: bool
    reason: str = ""
    anchor: str = ""  # subject of the anchor found, or of the certificate fix would import
    fixable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, kw_only=True)
class ConnectionView:
    name: str
    client: str
    server: str
    mode: str
    checks: list[DirectionCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "client": self.client, "server": self.server,
                "mode": self.mode, "ok": self.ok, "checks": [c.to_dict() for c in self.checks]}


def _node(s: Session, name: str) -> Node:
    return resolve_node(s, name)


def add_connection(ctx: AppContext, *, name: str, client_node: str, client_purpose: str,
                   server_node: str, server_purpose: str, mode: str = "mutual") -> ConnectionView:
    if not _NAME.match(name or ""):
        raise InvalidInput(f"connection name {name!r}: letters, digits, '.', '_', '-'",
                           field="name")
    if mode not in MODES:
        raise InvalidInput(f"mode must be one-way or mutual, not {mode!r}", field="mode")
    with ctx.transaction() as s:
        cn, sn = _node(s, client_node), _node(s, server_node)
        get_purpose(s, client_purpose)
        get_purpose(s, server_purpose)
        if s.scalar(select(SecuredConnection).where(SecuredConnection.name == name)):
            raise Duplicate(f"a secured connection named {name} already exists")
        row = SecuredConnection(name=name, client_node_id=cn.id, client_purpose=client_purpose,
                                server_node_id=sn.id, server_purpose=server_purpose, mode=mode,
                                created_at=ctx.clock.now())
        s.add(row)
        s.flush()
        record_event(s, ctx, action="connection.add", target=name,
                     details={"client": f"{client_purpose}@{cn.name}",
                              "server": f"{server_purpose}@{sn.name}", "mode": mode})
        return _check(ctx, s, row)


def remove_connection(ctx: AppContext, name: str) -> None:
    with ctx.transaction() as s:
        row = s.scalar(select(SecuredConnection).where(SecuredConnection.name == name))
        if row is None:
            raise NotFound("secured connection", name)
        s.delete(row)
        record_event(s, ctx, action="connection.remove", target=name, details={})


def _identity(s: Session, purpose: str, node_id: int) -> x509.Certificate | None:
    e = s.scalar(select(StoreEntry).where(StoreEntry.type == "identity",
                                          StoreEntry.purpose == purpose,
                                          StoreEntry.node_id == node_id))
    return x509.load_der_x509_certificate(e.der) if e else None


def _trust(s: Session, purpose: str | None = None) -> list[x509.Certificate]:
    q = select(StoreEntry.der).where(StoreEntry.type == "trust")
    if purpose is not None:
        q = q.where(StoreEntry.purpose == purpose)
    return [x509.load_der_x509_certificate(d) for d in s.scalars(q)]


def _direction(ctx: AppContext, s: Session, direction: str, purpose: str, node: Node,
               relying_purpose: str) -> DirectionCheck:
    store = f"{relying_purpose}-trust"
    presenter = f"{purpose}@{node.name}"
    leaf = _identity(s, purpose, node.id)
    if leaf is None:
        return DirectionCheck(direction=direction, presenter=presenter, trust_store=store,
                              ok=False, reason=f"{node.name} has no {purpose} certificate")
    anchors = _trust(s, relying_purpose)
    now = ctx.clock.now()
    try:
        path = build_path(leaf, intermediates=anchors, anchors=anchors, at=now)
        return DirectionCheck(direction=direction, presenter=presenter, trust_store=store,
                              ok=True, anchor=path[-1].subject.rfc4514_string())
    except UntrustedChain as exc:
        reason = exc.message
    target = _fix_target(ctx, s, leaf)
    return DirectionCheck(direction=direction, presenter=presenter, trust_store=store, ok=False,
                          reason=reason, fixable=target is not None,
                          anchor=target.subject.rfc4514_string() if target else "")


def _fix_target(ctx: AppContext, s: Session, leaf: x509.Certificate) -> x509.Certificate | None:
    """The certificate to import: the leaf itself when self-signed, else the anchor of a
    path found through every trust store of the cluster."""
    if leaf.issuer == leaf.subject:
        return leaf
    every = _trust(s)
    try:
        return build_path(leaf, intermediates=every, anchors=every, at=ctx.clock.now())[-1]
    except UntrustedChain:
        return None


def _check(ctx: AppContext, s: Session, row: SecuredConnection) -> ConnectionView:
    cn, sn = s.get(Node, row.client_node_id), s.get(Node, row.server_node_id)
    assert cn is not None and sn is not None
    checks = [_direction(ctx, s, "server->client", row.server_purpose, sn, row.client_purpose)]
    if row.mode == "mutual":
        checks.append(_direction(ctx, s, "client->server", row.client_purpose, cn,
                                 row.server_purpose))
    return ConnectionView(name=row.name, client=f"{row.client_purpose}@{cn.name}",
                          server=f"{row.server_purpose}@{sn.name}", mode=row.mode,
                          checks=checks)


def list_connections(ctx: AppContext) -> list[ConnectionView]:
    """Every declared connection with its trust checks: the matrix."""
    with ctx.read() as s:
        rows = s.scalars(select(SecuredConnection).order_by(SecuredConnection.name))
        return [_check(ctx, s, r) for r in rows]


def check_connection(ctx: AppContext, name: str) -> ConnectionView:
    with ctx.read() as s:
        row = s.scalar(select(SecuredConnection).where(SecuredConnection.name == name))
        if row is None:
            raise NotFound("secured connection", name)
        return _check(ctx, s, row)


def fix_connection(ctx: AppContext, name: str) -> tuple[ConnectionView, list[str]]:
    """Import what is missing into each relying trust store; returns the new check and
    what was imported ("<subject> -> <store>")."""
    from certyard.store import upload_trust_certificates

    imported: list[str] = []
    with ctx.read() as s:
        row = s.scalar(select(SecuredConnection).where(SecuredConnection.name == name))
        if row is None:
            raise NotFound("secured connection", name)
        todo: list[tuple[str, x509.Certificate]] = []
        for chk in _check(ctx, s, row).checks:
            if chk.ok:
                continue
            purpose, node_name = chk.presenter.split("@", 1)
            node = resolve_node(s, node_name)
            leaf = _identity(s, purpose, node.id)
            target = _fix_target(ctx, s, leaf) if leaf is not None else None
            if target is None:
                raise UntrustedChain(f"cannot fix {chk.direction}: {chk.reason}; upload the "
                                     f"issuing CA of {chk.presenter} first", reason="no_anchor")
            todo.append((chk.trust_store, target))
    for store, cert in todo:
        upload_trust_certificates(ctx, store, cert.public_bytes(Encoding.PEM),
                                  description=f"secured connection {name}")
        imported.append(f"{cert.subject.rfc4514_string()} -> {store}")
    return check_connection(ctx, name), imported
