"""Bulk import: consolidated trust certificates from another cluster's export on the SFTP
server, previewed first, then added to the trust stores the administrator chooses (through
``certyard.store.upload_trust_certificates``, so the store's own rules apply).

Every file is checked against the SHA-512 in the manifest before anything is imported; a
manifest naming a path outside the documented layout is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard import store
from certyard.audit import record_event
from certyard.bulk.export import EXPORT_PREFIX, FORMAT, MANIFEST
from certyard.bulk.settings import load_sftp_config
from certyard.bulk.sftp import Progress, SftpError, download_tree, list_remote_exports
from certyard.db.models import StoreEntry
from certyard.db.models.bulk import BulkOperation
from certyard.errors import InvalidFile, InvalidInput, NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ImportPreview", "import_trust_certificates", "list_exports", "preview_import"]

_PATH = re.compile(r"^(nodes/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+\.pem|"
                   r"trust/[A-Za-z0-9._-]+/[0-9a-f]{16}\.pem)$")
MAX_FILES = 10_000


def list_exports(ctx: AppContext) -> list[str]:
    with ctx.read() as s:
        cfg = load_sftp_config(ctx, s)
    return list_remote_exports(cfg, EXPORT_PREFIX)


def _paths(manifest_bytes: bytes) -> list[str]:
    try:
        manifest = json.loads(manifest_bytes)
        assert isinstance(manifest, dict) and manifest.get("format") == FORMAT
        files = manifest["files"]
        assert isinstance(files, list) and len(files) <= MAX_FILES
        paths = [f["path"] for f in files]
    except (ValueError, AssertionError, KeyError, TypeError):
        raise InvalidFile("the export's manifest.json is not a certyard bulk export "
                          "manifest") from None
    bad = [p for p in paths if not isinstance(p, str) or not _PATH.match(p)]
    if bad:
        raise InvalidFile(f"the manifest names a path outside the export layout: {bad[0]!r}")
    return paths


@dataclass(frozen=True, kw_only=True)
class ImportPreview:
    export: str
    cluster: str
    scope: str
    created_at: str
    certificates: list[dict[str, Any]]
    pem: dict[str, bytes]  # fingerprint -> PEM, for the import step

    def to_dict(self) -> dict[str, Any]:
        return {"export": self.export, "cluster": self.cluster, "scope": self.scope,
                "created_at": self.created_at, "certificates": self.certificates}


_NAME_MAX = 255  # one directory name on the server


def _check_name(name: str) -> None:
    """An export is one directory directly in the configured one, named by an export:
    checked before anything connects (a path or an overlong name is the caller's error)."""
    shown = name if len(name) <= 80 else name[:77] + "..."
    if not name.startswith(EXPORT_PREFIX):
        raise InvalidInput(f"{shown!r} is not a certyard export (names start with "
                           f"{EXPORT_PREFIX})", field="export")
    if len(name) > _NAME_MAX or name == EXPORT_PREFIX or "/" in name or "\\" in name \
            or not name.isprintable() or name.strip() != name:
        raise InvalidInput(f"{shown!r} is not an export name (one directory name of at most "
                           f"{_NAME_MAX} characters, no slashes)", field="export")


def preview_import(
    ctx: AppContext, name: str, *, progress: Progress | None = None,
) -> ImportPreview:
    """Download and check an export; say what each certificate is and which trust stores
    already hold it. Changes nothing."""
    _check_name(name)
    with ctx.read() as s:
        cfg = load_sftp_config(ctx, s)
    limit = ctx.settings.max_upload_bytes
    try:
        data = download_tree(cfg, name, MANIFEST, _paths, limit=limit, progress=progress)
    except SftpError as e:
        if e.reason == "no_such_file":
            missing = NotFound("export", name)
            missing.message = f"export {name} not found on the SFTP server: {e.message}"
            missing.args = (missing.message,)
            raise missing from None
        raise
    manifest = json.loads(data[MANIFEST])
    now = ctx.clock.now()
    with ctx.read() as s:
        present: dict[str, list[str]] = {}
        for fp, purpose in s.execute(select(StoreEntry.fingerprint_sha256, StoreEntry.purpose)
                                     .where(StoreEntry.type == "trust")):
            present.setdefault(fp, []).append(f"{purpose}-trust")
    certs: dict[str, dict[str, Any]] = {}
    pems: dict[str, bytes] = {}
    for f in manifest["files"]:
        content = data[f["path"]]
        if hashlib.sha512(content).hexdigest() != f.get("sha512"):
            raise InvalidFile(f"{f['path']} does not match its SHA-512 in the manifest; the "
                              "export is damaged or was altered — nothing imported")
        try:
            cert = x509.load_pem_x509_certificate(content)
        except ValueError:
            raise InvalidFile(f"{f['path']} is not a PEM certificate") from None
        fp = cert.fingerprint(hashes.SHA256()).hex()
        if fp in certs:
            certs[fp]["sources"].append(f["path"])
            continue
        valid = cert.not_valid_before_utc <= now <= cert.not_valid_after_utc
        certs[fp] = {"subject": cert.subject.rfc4514_string(), "fingerprint_sha256": fp,
                     "not_after": cert.not_valid_after_utc.isoformat(), "valid_now": valid,
                     "source_kind": f.get("kind"), "source_purpose": f.get("purpose"),
                     "source_node": f.get("node"), "sources": [f["path"]],
                     "already_in": sorted(present.get(fp, []))}
        pems[fp] = cert.public_bytes(Encoding.PEM)
    return ImportPreview(export=name, cluster=str(manifest.get("cluster", "")),
                         scope=str(manifest.get("scope", "")),
                         created_at=str(manifest.get("created_at", "")),
                         certificates=list(certs.values()), pem=pems)


def import_trust_certificates(ctx: AppContext, name: str, trust_stores: list[str], *,
                              progress: Progress | None = None) -> dict[str, Any]:
    """Add every currently valid certificate of the export to each chosen trust store."""
    if not trust_stores:
        raise InvalidInput("choose at least one trust store, e.g. tomcat-trust",
                           field="trust_stores")
    with ctx.read() as s:
        for ts in trust_stores:  # all named stores exist, or nothing is imported
            store.purpose_from_trust_store(s, ts)
    preview = preview_import(ctx, name, progress=progress)
    usable = [c for c in preview.certificates if c["valid_now"]]
    skipped = [c["subject"] for c in preview.certificates if not c["valid_now"]]
    if not usable:
        raise InvalidFile(f"export {name} holds no certificate valid now")
    bundle = b"".join(preview.pem[c["fingerprint_sha256"]] for c in usable)
    results: dict[str, Any] = {}
    # One unit of work: if one store refuses the bundle (e.g. a weak key in FIPS mode),
    # nothing the stores before it accepted is committed; an import is all or nothing.
    with ctx.unit_of_work() as uow, uow.transaction() as s:
        for ts in dict.fromkeys(trust_stores):
            res = store.upload_trust_certificates(
                uow, ts, bundle, description=f"bulk import from cluster {preview.cluster}")
            results[ts] = {"added": len(res.added), "duplicates": len(res.duplicates),
                           "warnings": res.warnings}
        s.add(BulkOperation(kind="import", scope=preview.scope, remote_path=name,
                            files=len(preview.certificates),
                            summary={"stores": results, "skipped": skipped},
                            at=ctx.clock.now()))
        record_event(s, uow, action="bulk.import", target=f"sftp:{name}",
                     details={"stores": {k: v["added"] for k, v in results.items()},
                              "skipped": len(skipped)})
    return {"export": name, "cluster": preview.cluster, "stores": results,
            "skipped_not_valid_now": skipped}
