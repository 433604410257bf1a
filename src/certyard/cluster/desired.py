"""The desired state of one node: what its agent must hold on disk (seed 001 semantics).

- every trust certificate of every trust store goes to every node;
- an identity certificate with its key goes to the node its store row belongs to; a
  multi-server (SAN) certificate has a row on every node, so it and its key go to all;
- CSRs: a node gets its own, multi-server CSRs are shared the same way;
- the TLS policy (``Setting("tls")``) goes to every node.

The state is a plain JSON-able dict with a ``version``: the SHA-256 of its canonical JSON, so
an agent that already holds that version is answered "not modified" cheaply. Decrypted
keys and PEM encodings are cached per process (keys per database and key row).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.db.models import Node, Purpose, Setting, StoreEntry
from certyard.store import open_private_key

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["desired_state", "state_signature", "trust_file_name"]

_log = logging.getLogger(__name__)
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Decrypting keys and re-encoding certificates is the costly part of a sync; both are cached
# in memory (keys per database and key row, PEM per fingerprint). The row lists themselves
# are read every time, so a change is seen at once by every replica.
_PEM: dict[str, str] = {}
_KEYS: dict[tuple[str, int, str], str] = {}
_STATES: dict[tuple[str, int, tuple[Any, ...]], dict[str, Any]] = {}
_LOCK = threading.Lock()


def trust_file_name(common_name: str, fingerprint: str) -> str:
    """A stable, safe file name for a trust certificate: CN plus a fingerprint prefix, so
    two CAs with one CN never collide."""
    base = _SAFE.sub("_", common_name).strip("._")[:64] or "cert"
    return f"{base}_{fingerprint[:12]}.pem"


def _publishable(name: str) -> bool:
    from certyard.hostutil.paths import is_safe_name

    if is_safe_name(name) and is_safe_name(f"{name}-trust"):
        return True
    _log.warning("not publishing purpose %r to agents: unsafe as a file name", name[:80])
    return False


def _pem(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()


def _csr_pem(der: bytes) -> str:
    return x509.load_der_x509_csr(der).public_bytes(serialization.Encoding.PEM).decode()


def state_signature(s: Session) -> tuple[Any, ...]:
    """Changes whenever the desired state of any node may have changed: store rows are
    never updated in place (a change is a delete and an insert, so a new id), purposes are
    counted, and the TLS policy carries its update time. One round trip."""
    from sqlalchemy import func

    tls = select(Setting.updated_at).where(Setting.name == "tls").scalar_subquery()
    purposes = select(func.count()).select_from(Purpose).scalar_subquery()
    row = s.execute(select(func.count(StoreEntry.id), func.max(StoreEntry.id),
                           func.sum(StoreEntry.id), tls, purposes)).one()
    return tuple(str(x) for x in row)


def desired_state(ctx: AppContext, s: Session, node: Node | int) -> dict[str, Any]:
    """The node's desired state (see the module docstring), with ``version``. Served from a
    per-process cache while :func:`state_signature` is unchanged, so a replica sees a
    change made through any other replica on the next request."""
    node_id = node if isinstance(node, int) else node.id
    key = (str(ctx.engine.url), node_id, state_signature(s))
    with _LOCK:
        hit = _STATES.get(key)
    if hit is not None:
        return hit
    if isinstance(node, int):
        found = s.get(Node, node)
        if found is None:
            from certyard.errors import NotFound

            raise NotFound("node", node)
        node = found
    state = _compute(ctx, s, node)
    with _LOCK:
        if len(_STATES) > 10000:
            _STATES.clear()
        _STATES[key] = state
    return state


def _cached_pem(fp: str, load: Any) -> str:
    """PEM text by fingerprint: the same fingerprint is the same DER everywhere."""
    with _LOCK:
        hit = _PEM.get(fp)
    if hit is None:
        hit = load()
        with _LOCK:
            if len(_PEM) > 50000:
                _PEM.clear()
            _PEM[fp] = hit
    return hit


def _key_pem(ctx: AppContext, s: Session, key_id: int) -> str | None:
    from certyard.db.models import PrivateKey

    krow = s.get(PrivateKey, key_id)
    if krow is None:
        return None
    cache_key = (str(ctx.engine.url), key_id, krow.public_sha256)
    with _LOCK:
        hit = _KEYS.get(cache_key)
    if hit is None:
        hit = open_private_key(ctx.master_key, krow).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        with _LOCK:
            if len(_KEYS) > 50000:
                _KEYS.clear()
            _KEYS[cache_key] = hit
    return hit


def _compute(ctx: AppContext, s: Session, node: Node) -> dict[str, Any]:
    from sqlalchemy.orm import defer

    from certyard.policy.settings import load_tls

    # Names become file names on every node: never publish one that could leave the
    # agent's directory (the agent checks too; see certyard.hostutil.paths).
    purposes = {p.name: p for p in s.scalars(select(Purpose)) if _publishable(p.name)}
    identities: list[dict[str, Any]] = []
    csrs: list[dict[str, Any]] = []
    rows = s.scalars(select(StoreEntry).options(defer(StoreEntry.der)).where(
        StoreEntry.node_id == node.id, StoreEntry.type.in_(("identity", "csr")))
        .order_by(StoreEntry.purpose))
    for e in rows:
        if not _publishable(e.purpose):
            continue
        if e.type == "csr":
            csrs.append({"purpose": e.purpose, "distribution": e.distribution,
                         "pem": _cached_pem("csr:" + e.fingerprint_sha256,
                                            lambda e=e: _csr_pem(e.der))})
            continue
        key_pem = None if e.private_key_id is None else _key_pem(ctx, s, e.private_key_id)
        p = purposes.get(e.purpose)
        identities.append({
            "purpose": e.purpose, "distribution": e.distribution,
            "services": list(p.services) if p else [],
            "fingerprint": e.fingerprint_sha256,
            "pem": _cached_pem(e.fingerprint_sha256, lambda e=e: _pem(e.der)), "key_pem": key_pem})
    trust: dict[str, list[dict[str, Any]]] = {f"{name}-trust": [] for name in sorted(purposes)}
    for e in s.scalars(select(StoreEntry).options(defer(StoreEntry.der))
                       .where(StoreEntry.type == "trust")
                       .order_by(StoreEntry.purpose, StoreEntry.fingerprint_sha256)):
        if not _publishable(e.purpose):
            continue
        trust.setdefault(f"{e.purpose}-trust", []).append({
            "file": trust_file_name(e.common_name, e.fingerprint_sha256),
            "common_name": e.common_name, "fingerprint": e.fingerprint_sha256,
            "pem": _cached_pem(e.fingerprint_sha256, lambda e=e: _pem(e.der))})
    services = {name: list(p.services) for name, p in sorted(purposes.items())}
    body = {"node": node.name, "fqdn": node.fqdn, "identities": identities, "csrs": csrs,
            "trust": trust, "services": services, "tls": load_tls(s)}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    body["version"] = hashlib.sha256(canonical.encode()).hexdigest()
    return body
