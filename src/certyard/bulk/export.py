"""Bulk certificate export to the SFTP server (seed 001 "Bulk Certificate Management").

Scopes (the seed's drop-down):
    tomcat  the tomcat and tomcat-ECDSA identity certificates of every node
    tftp    the trust-list certificates: every certificate of every trust store, plus the
            identity certificates of the trust-list purposes (CallManager, ITLRecovery, TVS,
            CAPF) when they exist
    all     every node's identity certificates and every trust store

Layout on the server, under the configured directory (one directory per export):

    certyard-export-<cluster>-<scope>-<YYYYMMDDTHHMMSSZ>/
        manifest.json                          format, cluster, scope, time, and for every
                                               file: path, size, SHA-512, kind, node,
                                               purpose, subject, SHA-256 fingerprint
        nodes/<node>/<purpose>.pem             identity certificates (never private keys)
        trust/<purpose>-trust/<sha256[:16]>.pem  trust certificates
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard.audit import record_event
from certyard.bulk.settings import load_sftp_config
from certyard.bulk.sftp import Progress, upload_tree
from certyard.cluster.nodes import cluster_name
from certyard.db.models import Node, StoreEntry
from certyard.db.models.bulk import BulkOperation
from certyard.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["EXPORT_PREFIX", "MANIFEST", "SCOPES", "ExportResult", "build_export",
           "export_certificates"]

SCOPES = ("tomcat", "tftp", "all")
EXPORT_PREFIX = "certyard-export-"
MANIFEST = "manifest.json"
FORMAT = "certyard-bulk-export"
TOMCAT_PURPOSES = ("tomcat", "tomcat-ECDSA")
TRUST_LIST_PURPOSES = ("CallManager", "ITLRecovery", "TVS", "CAPF")


@dataclass(frozen=True, kw_only=True)
class ExportResult:
    remote_path: str
    scope: str
    files: int
    manifest: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"remote_path": self.remote_path, "scope": self.scope, "files": self.files,
                "manifest_sha512": hashlib.sha512(
                    json.dumps(self.manifest, sort_keys=True).encode()).hexdigest()}


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:64] or "_"


def build_export(
    ctx: AppContext, scope: str,
) -> tuple[str, list[tuple[str, bytes]], dict[str, Any]]:
    """The export's name, its files (manifest last) and the manifest, from one snapshot."""
    scope = (scope or "").lower()
    if scope not in SCOPES:
        raise InvalidInput(f"export type must be one of Tomcat, TFTP, All, not {scope!r}",
                           field="scope")
    now = ctx.clock.now()
    with ctx.read() as s:
        cluster = cluster_name(s)
        q = select(StoreEntry, Node.name).outerjoin(Node, StoreEntry.node_id == Node.id) \
            .where(StoreEntry.type.in_(("identity", "trust"))) \
            .order_by(StoreEntry.type, StoreEntry.purpose, Node.name, StoreEntry.id)
        rows = list(s.execute(q))
    files: list[tuple[str, bytes]] = []
    entries: list[dict[str, Any]] = []
    for entry, node in rows:
        if scope == "tomcat" and not (entry.type == "identity"
                                      and entry.purpose in TOMCAT_PURPOSES):
            continue
        if scope == "tftp" and not (entry.type == "trust"
                                    or entry.purpose in TRUST_LIST_PURPOSES):
            continue
        if entry.type == "identity":
            path = f"nodes/{_safe(node or 'cluster')}/{_safe(entry.purpose)}.pem"
        else:
            path = f"trust/{_safe(entry.purpose)}-trust/{entry.fingerprint_sha256[:16]}.pem"
        pem = x509.load_der_x509_certificate(entry.der).public_bytes(Encoding.PEM)
        files.append((path, pem))
        entries.append({"path": path, "size": len(pem),
                        "sha512": hashlib.sha512(pem).hexdigest(), "kind": entry.type,
                        "node": node, "purpose": entry.purpose, "subject": entry.subject,
                        "fingerprint_sha256": entry.fingerprint_sha256})
    if not files:
        raise Conflict(f"there are no certificates to export for {scope}")
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    name = f"{EXPORT_PREFIX}{_safe(cluster)}-{scope}-{stamp}"
    manifest = {"format": FORMAT, "version": 1, "cluster": cluster, "scope": scope,
                "created_at": now.isoformat(), "files": entries}
    files.append((MANIFEST, json.dumps(manifest, indent=2).encode() + b"\n"))
    return name, files, manifest


def export_certificates(ctx: AppContext, scope: str, *, progress: Progress | None = None
                        ) -> ExportResult:
    """Export to the configured SFTP server; recorded in the audit trail either way."""
    name, files, manifest = build_export(ctx, scope)
    with ctx.read() as s:
        cfg = load_sftp_config(ctx, s)
    try:
        path = upload_tree(cfg, name, files, progress=progress)
    except Exception as e:
        with ctx.transaction() as s:
            record_event(s, ctx, action="bulk.export", target=f"sftp:{cfg.host}",
                         outcome="failure", details={"scope": scope, "error": str(e)})
        raise
    with ctx.transaction() as s:
        s.add(BulkOperation(kind="export", scope=manifest["scope"], remote_path=path,
                            files=len(files), summary={"certificates": len(files) - 1},
                            at=ctx.clock.now()))
        record_event(s, ctx, action="bulk.export", target=f"sftp:{cfg.host}{path}",
                     details={"scope": manifest["scope"], "files": len(files)})
    return ExportResult(remote_path=path, scope=manifest["scope"], files=len(files),
                        manifest=manifest)
