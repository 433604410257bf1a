"""The cluster and its nodes: init (idempotent), add, list, remove."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.db.documents import read_document
from certyard.db.models import Node, Purpose, Setting, StoreEntry
from certyard.errors import (
    Conflict,
    Duplicate,
    InvalidInput,
    InvalidInputs,
    InvalidName,
    NotFound,
)
from certyard.store import DEFAULT_PURPOSES, PurposeSpec, install_self_signed, release_keys
from certyard.store.purposes import load_purpose_file, save_purpose
from certyard.x509 import check_dns_name

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["InitResult", "NodeView", "add_node", "init_cluster", "list_nodes", "remove_node"]

_NODE_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$")


@dataclass(frozen=True, kw_only=True)
class NodeView:
    id: int
    name: str
    fqdn: str
    ip: str | None
    is_publisher: bool
    identities: int

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, kw_only=True)
class InitResult:
    created: bool
    publisher: NodeView
    purposes: list[str]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"created": self.created, "publisher": self.publisher.to_dict(),
                "purposes": self.purposes, "warnings": self.warnings}



def cluster_name(s: Session) -> str:
    """The cluster's name as set by ``init_cluster`` ("certyard" before that)."""
    value = read_document(s, "cluster").get("name")
    return str(value) if value else "certyard"

def _check_node(name: str, fqdn: str, ip: str | None) -> tuple[str, str, str | None]:
    """Every problem of the three values at once (InvalidInputs when more than one)."""
    problems: list[InvalidInput] = []
    if not _NODE_NAME.match(name or ""):
        problems.append(InvalidName(f"node name {name!r}: letters, digits and inner hyphens, "
                                    "at most 64", field="name"))
    try:
        fqdn = check_dns_name(fqdn, field="fqdn", wildcard=False)
    except InvalidInput as exc:
        problems.append(InvalidName(f"FQDN {exc.message}", field="fqdn"))
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip.strip()))
        except ValueError:
            problems.append(InvalidInput(f"IP {ip!r} is not an IP address", field="ip"))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidInputs(problems)
    return name, fqdn, ip


def _view(s: Any, node: Node) -> NodeView:
    count = s.scalar(select(func.count()).select_from(StoreEntry).where(
        StoreEntry.node_id == node.id, StoreEntry.type == "identity")) or 0
    return NodeView(id=node.id, name=node.name, fqdn=node.fqdn, ip=node.ip,
                    is_publisher=node.is_publisher, identities=count)


def _local_identity() -> tuple[str, str]:
    fqdn = socket.getfqdn() or "localhost"
    if "." not in fqdn:
        fqdn = f"{fqdn}.localdomain"
    name = re.sub(r"[^A-Za-z0-9-]", "-", fqdn.split(".")[0]).strip("-") or "publisher"
    return name[:64], fqdn.lower()


def init_cluster(
    ctx: AppContext, *, name: str | None = None, fqdn: str | None = None, ip: str | None = None,
    cluster_name: str = "certyard",
) -> InitResult:
    """Create the cluster with this host as publisher, the default purposes, and a
    self-signed identity certificate for each purpose (also placed in its trust store).
    Running it again changes nothing."""
    with ctx.transaction() as s:
        publisher = s.scalar(select(Node).where(Node.is_publisher.is_(True)))
        if publisher is not None:
            return InitResult(created=False, publisher=_view(s, publisher),
                              purposes=list(s.scalars(select(Purpose.name))), warnings=[])
        local_name, local_fqdn = _local_identity()
        nname, nfqdn, nip = _check_node(name or local_name, fqdn or local_fqdn, ip)
        now = ctx.clock.now()
        s.merge(Setting(name="cluster", value={"name": cluster_name}, updated_at=now))
        specs: list[PurposeSpec] = list(DEFAULT_PURPOSES)
        if ctx.settings.purposes_file is not None:
            specs += load_purpose_file(ctx.settings.purposes_file)
        for spec in specs:
            if s.get(Purpose, spec.name) is None:
                save_purpose(s, spec)
        publisher = Node(name=nname, fqdn=nfqdn, ip=nip, is_publisher=True, created_at=now)
        s.add(publisher)
        s.flush()
        warnings: list[str] = []
        for spec in specs:
            _, w = install_self_signed(ctx, s, spec, publisher)
            warnings += w
        record_event(s, ctx, action="cluster.init", target=nfqdn,
                     details={"purposes": [p.name for p in specs]})
        return InitResult(created=True, publisher=_view(s, publisher),
                          purposes=[p.name for p in specs], warnings=warnings)


def add_node(ctx: AppContext, name: str, *, fqdn: str, ip: str | None = None) -> NodeView:
    """Add a subscriber node; like a newly installed server it gets a self-signed identity
    certificate for every purpose."""
    nname, nfqdn, nip = _check_node(name, fqdn, ip)
    with ctx.transaction() as s:
        if s.scalar(select(Node).where(Node.is_publisher.is_(True))) is None:
            from certyard.errors import NotInitialised

            raise NotInitialised("the cluster is not initialised; run `certyard init` first")
        clash = s.scalar(select(Node).where(or_(Node.name == nname, Node.fqdn == nfqdn)))
        if clash is not None:
            raise Duplicate(f"a node named {clash.name} ({clash.fqdn}) already exists")
        node = Node(name=nname, fqdn=nfqdn, ip=nip, is_publisher=False,
                    created_at=ctx.clock.now())
        s.add(node)
        s.flush()
        for row in s.scalars(select(Purpose)):
            install_self_signed(ctx, s, PurposeSpec.from_row(row), node)
        record_event(s, ctx, action="node.add", target=nname, details={"fqdn": nfqdn, "ip": nip})
        return _view(s, node)


def list_nodes(ctx: AppContext) -> list[NodeView]:
    with ctx.read() as s:
        nodes = s.scalars(select(Node).order_by(Node.is_publisher.desc(), Node.name))
        return [_view(s, n) for n in nodes]


def remove_node(ctx: AppContext, name: str) -> NodeView:
    """Remove a subscriber with its identity certificates, CSRs and the self-signed
    certificates it put in trust stores. The publisher cannot be removed."""
    with ctx.transaction() as s:
        node = s.scalar(select(Node).where(or_(Node.name == name, Node.fqdn == name)))
        if node is None:
            raise NotFound("node", name)
        if node.is_publisher:
            raise Conflict(f"{node.name} is the publisher and cannot be removed")
        view = _view(s, node)
        own = list(s.scalars(select(StoreEntry).where(StoreEntry.node_id == node.id)))
        own_fps = {e.fingerprint_sha256 for e in own if e.type == "identity"}
        trust = list(s.scalars(select(StoreEntry).where(
            StoreEntry.type == "trust", StoreEntry.source_node_id == node.id,
            StoreEntry.fingerprint_sha256.in_(own_fps))))
        keys = {e.private_key_id for e in own}
        ids = [e.id for e in own + trust]
        s.execute(delete(StoreEntry).where(StoreEntry.id.in_(ids)))
        s.execute(delete(Node).where(Node.id == node.id))
        s.expunge_all()
        release_keys(s, keys)
        record_event(s, ctx, action="node.remove", target=view.name, details={"fqdn": view.fqdn})
        return view
