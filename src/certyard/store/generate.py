"""Generating keys: self-signed identity certificates and CSRs (seed "Regenerating a
Certificate", "Generating a Certificate Signing Request")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.db.documents import merge_document, read_document
from certyard.db.models import Node, StoreEntry
from certyard.errors import InvalidInput, NotFound
from certyard.store.entries import EntryView, entry_view
from certyard.store.keystore import release_keys, seal_private_key
from certyard.store.purposes import PurposeSpec, check_key_choice, get_purpose
from certyard.store.subject import load_subject_defaults
from certyard.store.writes import put_entry
from certyard.x509 import (
    SubjectFields,
    build_csr,
    build_self_signed,
    certificate_facts,
    check_common_name,
    check_no_wildcard,
    csr_facts,
    generate_private_key,
    parse_san,
)

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "BACKUP_REMINDER",
    "GeneratedResult",
    "fips_enabled",
    "generate_csr",
    "generate_self_signed",
    "install_self_signed",
    "resolve_node",
]


# Seed 001: "After you regenerate certificates ... you must perform a backup so that the
# latest backup contains the regenerated certificates."
BACKUP_REMINDER = ("back up now so that the latest backup holds the regenerated certificate: "
                   "certyard backup FILE")


def multi_server_common_name(fqdn: str) -> str:
    """Seed 003: with a multi-server certificate, "-ms" is appended after the host name
    part of the FQDN (``cucm1.example.com`` -> ``cucm1-ms.example.com``)."""
    host, dot, domain = fqdn.partition(".")
    return f"{host}-ms{dot}{domain}"


@dataclass(frozen=True, kw_only=True)
class GeneratedResult:
    entries: list[EntryView]
    warnings: list[str] = field(default_factory=list)
    restart_services: list[str] = field(default_factory=list)
    pem: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"entries": [e.to_dict() for e in self.entries], "warnings": self.warnings,
                "restart_services": self.restart_services, "pem": self.pem}


def resolve_node(s: Session, name: str | None) -> Node:
    """A node by name or FQDN; the publisher when none is named."""
    if name is None:
        node = s.scalar(select(Node).where(Node.is_publisher.is_(True)))
        if node is None:
            from certyard.errors import NotInitialised

            raise NotInitialised("the cluster is not initialised; run `certyard init` first")
        return node
    node = s.scalar(select(Node).where(or_(Node.name == name, Node.fqdn == name)))
    if node is None:
        raise NotFound("node", name)
    return node


def fips_enabled(s: Session) -> bool:
    """FIPS mode (absent: off). The ``fips`` document belongs to this room, the lowest that
    acts on it (key generation); the policy room decides when it changes."""
    return bool(read_document(s, "fips").get("enabled"))


def set_fips_mode(s: Session, *, enabled: bool, now: dt.datetime) -> None:
    """Record FIPS mode on or off, inside the caller's transaction (policy's enable/disable)."""
    merge_document(s, "fips", {"enabled": enabled}, now=now)


def fips_changed_at(s: Session) -> dt.datetime | None:
    """When FIPS mode last changed (None when never set): listeners rebuild on a change."""
    from certyard.db.models import Setting

    row = s.get(Setting, "fips")
    return row.updated_at if row is not None else None


def install_self_signed(
    ctx: AppContext, s: Session, spec: PurposeSpec, node: Node, *, key_length: int | None = None,
    hash_name: str | None = None,
) -> tuple[StoreEntry, list[str]]:
    """Generate and install a node's self-signed identity for a purpose, and put it in the
    purpose's trust store (seed: "ipsec and ipsec-trust will be updated")."""
    length, hname, warnings = check_key_choice(spec, key_length=key_length, hash_name=hash_name,
                                               fips=fips_enabled(s))
    now = ctx.clock.now()
    key = generate_private_key(spec.key_type, length)
    cert = build_self_signed(key, common_name=node.fqdn, sans=[x509.DNSName(node.fqdn)],
                             hash_name=hname, now=now)
    facts = certificate_facts(cert)
    key_row = seal_private_key(s, ctx.master_key, key, now=now)
    new, old = put_entry(s, type="identity", purpose=spec.name, node_id=node.id,
                         distribution="single", facts=facts, now=now,
                         private_key_id=key_row.id, description="Self-signed certificate")
    if old is not None:
        # The old self-signed certificate this node put in the trust store goes with it.
        s.execute(delete(StoreEntry).where(
            StoreEntry.type == "trust", StoreEntry.purpose == spec.name,
            StoreEntry.source_node_id == node.id,
            StoreEntry.fingerprint_sha256 == old.fingerprint_sha256))
        release_keys(s, {old.private_key_id})
    put_entry(s, type="trust", purpose=spec.name, node_id=None, distribution="all",
              facts=facts, now=now, source_node_id=node.id,
              description=f"Self-signed {spec.name} certificate of {node.fqdn}")
    return new, warnings


def generate_self_signed(
    ctx: AppContext, purpose: str, *, node: str | None = None, key_length: int | None = None,
    hash_name: str | None = None,
) -> GeneratedResult:
    """Regenerate a node's self-signed identity certificate. The CN is the node FQDN and
    is not configurable (seed)."""
    with ctx.transaction() as s:
        spec = get_purpose(s, purpose)
        n = resolve_node(s, node)
        row, warnings = install_self_signed(ctx, s, spec, n, key_length=key_length,
                                            hash_name=hash_name)
        record_event(s, ctx, action="certificate.generate_self_signed",
                     target=f"{spec.name} on {n.name}",
                     details={"fingerprint": row.fingerprint_sha256})
        view = entry_view(row, n.name)
    pem = x509.load_der_x509_certificate(row.der).public_bytes(Encoding.PEM).decode()
    warnings = [*warnings, BACKUP_REMINDER]
    return GeneratedResult(entries=[view], warnings=warnings,
                           restart_services=list(spec.services), pem=pem)


def generate_csr(
    ctx: AppContext, purpose: str, *, node: str | None = None, distribution: str = "single",
    common_name: str | None = None, sans: list[str] | None = None,
    key_length: int | None = None, hash_name: str | None = None,
    subject: SubjectFields | None = None,
) -> GeneratedResult:
    """A new key and CSR for a purpose. Multi-server: every node's FQDN as SAN plus the
    extra names, distributed to every node, and the CN of the node's FQDN with "-ms" after
    the host name (seed 003). Replaces the purpose's previous CSR everywhere it was: a
    multi-server CSR replaces every node's CSR, a single-server CSR replaces this node's and
    any multi-server CSR of the purpose on the other nodes. Wildcards are refused (seed
    003); the subject carries the cluster's O/OU/L/ST/C defaults unless given."""
    if distribution not in ("single", "multi-server"):
        raise InvalidInput("distribution must be single or multi-server", field="distribution")
    with ctx.transaction() as s:
        spec = get_purpose(s, purpose)
        if distribution == "multi-server" and not spec.multi_server:
            raise InvalidInput(f"multi-server (SAN) distribution is not available for "
                               f"{spec.name}", field="distribution")
        length, hname, warnings = check_key_choice(spec, key_length=key_length,
                                                   hash_name=hash_name, fips=fips_enabled(s))
        n = resolve_node(s, node)
        nodes = [n]
        if distribution == "multi-server":
            nodes = list(s.scalars(select(Node).order_by(Node.is_publisher.desc(), Node.name)))
        default_cn = multi_server_common_name(n.fqdn) if distribution == "multi-server" \
            else n.fqdn
        cn = check_common_name(common_name if common_name else default_cn)
        check_no_wildcard(cn, field="cn")
        for text in sans or []:
            check_no_wildcard(text, field="san")
        fields = (subject or SubjectFields()).merged(load_subject_defaults(s))
        names: list[x509.GeneralName] = []
        seen: set[str] = set()
        base = [x.fqdn for x in nodes] if distribution == "multi-server" else [n.fqdn]
        for text in [*base, *(sans or [])]:
            gn = parse_san(text)
            if repr(gn) not in seen:
                seen.add(repr(gn))
                names.append(gn)
        if len(names) > 100:
            raise InvalidInput("at most 100 subject alternative names", field="san")
        now = ctx.clock.now()
        key = generate_private_key(spec.key_type, length)
        csr = build_csr(key, common_name=cn, sans=names, hash_name=hname, subject=fields)
        facts = csr_facts(csr)
        key_row = seal_private_key(s, ctx.master_key, key, now=now)
        views = []
        replaced: set[int | None] = set()
        if distribution == "multi-server":
            # A new CSR of a purpose replaces the old one on every node it was on.
            olds = s.scalars(select(StoreEntry).where(
                StoreEntry.type == "csr", StoreEntry.purpose == spec.name))
            for old in olds:
                replaced.add(old.private_key_id)
                s.delete(old)
            s.flush()
        else:
            # A multi-server CSR of the purpose on other nodes is superseded too: left
            # there, another node would keep offering a request nobody will complete.
            olds = s.scalars(select(StoreEntry).where(
                StoreEntry.type == "csr", StoreEntry.purpose == spec.name,
                StoreEntry.distribution == "multi-server", StoreEntry.node_id != n.id))
            for old in olds:
                replaced.add(old.private_key_id)
                s.delete(old)
            s.flush()
        for target in nodes:
            row, previous = put_entry(s, type="csr", purpose=spec.name, node_id=target.id,
                                      distribution=distribution, facts=facts, now=now,
                                      private_key_id=key_row.id,
                                      description=f"CSR for {spec.name}")
            if previous is not None:
                replaced.add(previous.private_key_id)
            views.append(entry_view(row, target.name))
        release_keys(s, replaced)
        record_event(s, ctx, action="csr.generate", target=f"{spec.name} on {n.name}",
                     details={"distribution": distribution, "cn": cn,
                              "subject": facts.subject,
                              "sans": facts.sans, "key_length": length, "hash": hname})
    pem = csr.public_bytes(Encoding.PEM).decode()
    return GeneratedResult(entries=views, warnings=warnings, pem=pem)


def download_csr(ctx: AppContext, purpose: str, *, node: str | None = None) -> tuple[str, bytes]:
    """The pending CSR of a purpose on a node, as PEM (seed)."""
    with ctx.read() as s:
        spec = get_purpose(s, purpose)
        n = resolve_node(s, node)
        row = s.scalar(select(StoreEntry).where(
            StoreEntry.type == "csr", StoreEntry.purpose == spec.name,
            StoreEntry.node_id == n.id))
        if row is None:
            raise NotFound("CSR", f"for {spec.name} on {n.name}")
        pem = x509.load_der_x509_csr(row.der).public_bytes(Encoding.PEM)
    return f"{spec.name}-{n.name}.csr", pem
