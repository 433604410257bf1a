"""Pre-signed OCSP responses as static files, for a plain web server or a CDN.

Large public CAs serve OCSP from a CDN: responses are signed ahead of time and the edge
just returns bytes for a request it has seen before. A client without a nonce (the norm)
asks with a fixed DER OCSPRequest per certificate: one CertID with SHA-1 hashes of the
issuer name and key and the serial, no extensions. So we write, per unexpired certificate:

- ``sha1/<hex SHA-1 of that DER request>``: a balancer that can hash the request (HAProxy:
  ``req.body,sha1,hex`` for POST; the base64 path segment ``url_dec,b64dec,sha1,hex`` for
  GET) maps any RFC 6960 request to one file name;
- ``b64/<base64url of that DER request, no padding>``: for edges that rewrite the GET path
  (``/ocsp/<base64>``) with a simple character translation (``+/`` to ``-_``, drop ``=``);
- ``index.json``: serial, file names and nextUpdate of each response (for monitoring and
  for pruning by a sync tool).

Files are written to a temporary name and renamed, so a server never sends half a file;
files of certificates no longer listed (expired) are removed. A request the files do not
cover (with a nonce, SHA-256 CertID, unknown serial) should be passed to a replica.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from sqlalchemy import select

from certyard.audit import record_event
from certyard.ca.authority import ca_certificate
from certyard.ca.ocsp import _issuer_hashes, presign_responses
from certyard.db.models.ca import CaCertificate, CaIssued
from certyard.errors import InvalidInput
from certyard.hostutil.files import atomic_write

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["OcspExport", "canonical_request", "export_ocsp_responses", "request_file_names"]

_SUBDIRS = ("sha1", "b64")


@dataclass(frozen=True)
class OcspExport:
    directory: str
    written: int
    removed: int
    earliest_next_update: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def canonical_request(issuer_name_hash: bytes, issuer_key_hash: bytes, serial: int) -> bytes:
    """The DER OCSPRequest a nonce-less client sends for one certificate (SHA-1 CertID)."""
    req = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        issuer_name_hash, issuer_key_hash, serial, hashes.SHA1())  # noqa: S303 (RFC 6960 CertID)
    return req.build().public_bytes(Encoding.DER)


def request_file_names(request_der: bytes) -> tuple[str, str]:
    """(sha1 name, base64url name) of a DER OCSP request."""
    return (hashlib.sha1(request_der).hexdigest(),  # noqa: S324 - a name, not a MAC
            base64.urlsafe_b64encode(request_der).decode().rstrip("="))


def export_ocsp_responses(ctx: AppContext, directory: Path, *, presign: bool = True) -> OcspExport:
    """Write every unexpired certificate's current pre-signed response under ``directory``
    (created if missing); ``presign`` first signs any that are missing or half stale."""
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory} is not a directory")
    if presign:
        presign_responses(ctx)
    now = ctx.clock.now()
    for sub in _SUBDIRS:
        (directory / sub).mkdir(parents=True, exist_ok=True)
    index: list[dict[str, Any]] = []
    keep: dict[str, set[str]] = {sub: set() for sub in _SUBDIRS}
    earliest: dt.datetime | None = None
    hashes_by_ca: dict[int, tuple[bytes, bytes]] = {}
    with ctx.read() as s:
        rows = s.execute(select(CaIssued.serial, CaIssued.issuer_id, CaIssued.ocsp_der,
                                CaIssued.ocsp_next_update).where(
            CaIssued.not_after > now, CaIssued.ocsp_der.is_not(None),
            CaIssued.ocsp_next_update > now).order_by(CaIssued.id)).all()
        for ca_id in {r.issuer_id for r in rows}:
            ca = s.get(CaCertificate, ca_id)
            assert ca is not None
            hashes_by_ca[ca_id] = _issuer_hashes(ca_certificate(ca), hashes.SHA1())  # noqa: S303
    for r in rows:
        name_hash, key_hash = hashes_by_ca[r.issuer_id]
        sha1_name, b64_name = request_file_names(
            canonical_request(name_hash, key_hash, int(r.serial, 16)))
        atomic_write(directory / "sha1" / sha1_name, r.ocsp_der, sync=False)
        atomic_write(directory / "b64" / b64_name, r.ocsp_der, sync=False)
        keep["sha1"].add(sha1_name)
        keep["b64"].add(b64_name)
        earliest = r.ocsp_next_update if earliest is None else min(earliest,
                                                                   r.ocsp_next_update)
        index.append({"serial": r.serial, "issuer_id": r.issuer_id, "sha1": sha1_name,
                      "b64": b64_name, "next_update": r.ocsp_next_update.isoformat()})
    removed = 0
    for sub in _SUBDIRS:
        for f in (directory / sub).iterdir():
            if f.is_file() and f.name not in keep[sub]:
                f.unlink()
                removed += 1
    atomic_write(directory / "index.json", json.dumps(
        {"generated_at": now.isoformat(), "responses": index}, indent=1).encode())
    with ctx.transaction() as s:
        record_event(s, ctx, action="ca.ocsp_export", target=str(directory),
                     details={"written": len(index), "removed": removed})
    return OcspExport(directory=str(directory), written=len(index), removed=removed,
                      earliest_next_update=earliest.isoformat() if earliest else None)
