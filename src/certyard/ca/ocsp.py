"""The OCSP responder (RFC 6960).

Answers are pre-signed: each issued certificate's latest response is stored on its row and
kept in a small per-process cache, so a request without a nonce is a lookup. A response is
re-signed when half its validity has passed, and at once (in the same transaction) when the
certificate is revoked or released. A request carrying a nonce gets a freshly signed
answer echoing it. The issuing CA signs its own responses (RFC 6960 2.2 "the CA who issued
the certificate in question").
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certyard.ca.authority import ca_certificate, open_ca_key
from certyard.ca.config import load_settings
from certyard.ca.crl import REASONS
from certyard.ca.responder import delegated_signer, ensure_ocsp_signer
from certyard.ca.signing import sign_ocsp_response
from certyard.db.models.ca import CaCertificate, CaIssued

__all__ = ["ocsp_cached", "ocsp_respond", "presign_responses", "resign_response"]

# (issuer id, serial) -> (DER, re-sign time).
_CACHE: dict[tuple[int, str], tuple[bytes, dt.datetime]] = {}
# How long another replica's revocation can go unseen here: the whole cache is trusted
# until the monotonic deadline _EPOCH[0]; then one query reads the revocation marker (the
# sum of the CAs' CRL numbers, bumped by every revocation, release and CRL refresh, on any
# replica) and the cache is dropped when it moved. One small query per period per
# process, instead of a database read per certificate.
_CACHE_SECONDS = 5.0
_EPOCH: list[Any] = [0.0, None]  # [monotonic deadline, marker]
_CACHE_MAX = 200_000
_ISSUERS: dict[tuple[str, bytes, bytes], tuple[int, str]] = {}
# Exact request DER (nonce-free, SHA-1 CertID, answered from _CACHE before) -> _CACHE key:
# a repeated request is then two dictionary lookups, without even parsing it.
_RAW: dict[bytes, tuple[int, str]] = {}
_RAW_MAX = 200_000
_LOCK = threading.Lock()
_HASHES: dict[str, type[hashes.SHA1 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512}


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(Encoding.DER)


def _issuer_hashes(cert: x509.Certificate, algo: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """The CertID issuer hashes: of the CA's DER subject, and (computed by cryptography)
    of its public key bits."""
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, cert, algo).build()
    name_hash = hashes.Hash(algo)
    name_hash.update(cert.subject.public_bytes())
    return name_hash.finalize(), req.issuer_key_hash


def _find_issuer(s: Session, req: ocsp.OCSPRequest) -> CaCertificate | None:
    algo_name = req.hash_algorithm.name
    key = (algo_name, req.issuer_name_hash, req.issuer_key_hash)
    known = _ISSUERS.get(key)
    if known is not None:
        row = s.get(CaCertificate, known[0])
        if row is not None and row.fingerprint_sha256 == known[1] and row.active \
                and row.private_key_id is not None:
            return row
    algo_cls = _HASHES.get(algo_name)
    if algo_cls is None:
        return None
    for row in s.scalars(select(CaCertificate).where(
            CaCertificate.active.is_(True), CaCertificate.private_key_id.is_not(None),
            CaCertificate.role != "ocsp-signer")):
        hashes_ = _issuer_hashes(ca_certificate(row), algo_cls())
        _ISSUERS[(algo_name, *hashes_)] = (row.id, row.fingerprint_sha256)
        if hashes_ == (req.issuer_name_hash, req.issuer_key_hash):
            return row
    return None


def _sign(
    ctx: Any, s: Session, ca: CaCertificate, *, serial: int, row: CaIssued | None,
    algo: hashes.HashAlgorithm, now: dt.datetime, nonce: bytes | None,
) -> tuple[bytes, dt.datetime]:
    issuer = ca_certificate(ca)
    delegated = delegated_signer(ctx, s, ca, now)
    responder, key = delegated if delegated else (issuer, open_ca_key(ctx, s, ca))
    hours = load_settings(s).ocsp_hours
    next_update = now + dt.timedelta(hours=hours)
    this_update = now - dt.timedelta(minutes=1)
    b = ocsp.OCSPResponseBuilder()
    if row is None:
        name_hash, key_hash = _issuer_hashes(issuer, algo)
        b = b.add_response_by_hash(
            issuer_name_hash=name_hash, issuer_key_hash=key_hash, serial_number=serial,
            algorithm=algo, cert_status=ocsp.OCSPCertStatus.UNKNOWN, this_update=this_update,
            next_update=next_update, revocation_time=None, revocation_reason=None)
    else:
        cert = x509.load_der_x509_certificate(row.der)
        if row.status in ("revoked", "hold"):
            reason = REASONS.get(row.revocation_reason or "unspecified")
            b = b.add_response(
                cert=cert, issuer=issuer, algorithm=algo,
                cert_status=ocsp.OCSPCertStatus.REVOKED, this_update=this_update,
                next_update=next_update, revocation_time=row.revoked_at,
                revocation_reason=None if reason == x509.ReasonFlags.unspecified else reason)
        else:
            b = b.add_response(
                cert=cert, issuer=issuer, algorithm=algo,
                cert_status=ocsp.OCSPCertStatus.GOOD, this_update=this_update,
                next_update=next_update, revocation_time=None, revocation_reason=None)
    if delegated:
        b = b.certificates([responder])  # clients need it to check the delegation
    if nonce is not None:
        b = b.add_extension(x509.OCSPNonce(nonce), critical=False)
    resp = sign_ocsp_response(b, key, responder=responder)
    return resp.public_bytes(Encoding.DER), next_update


def _fresh(next_update: dt.datetime | None, now: dt.datetime, hours: int) -> bool:
    return next_update is not None and next_update - now > dt.timedelta(hours=hours) / 2


def resign_response(ctx: Any, s: Session, row: CaIssued, *, now: dt.datetime) -> None:
    """Re-sign and store a certificate's response (SHA-1 CertID, what clients send) inside
    the caller's transaction, and drop this process's cached copy."""
    ca = s.get(CaCertificate, row.issuer_id)
    assert ca is not None
    der, nxt = _sign(ctx, s, ca, serial=int(row.serial, 16), row=row, algo=hashes.SHA1(),  # noqa: S303 (RFC 6960 CertID)
                     now=now, nonce=None)
    row.ocsp_der, row.ocsp_next_update = der, nxt
    with _LOCK:
        _CACHE.pop((ca.id, row.serial), None)
        _EPOCH[0] = 0.0  # re-read the marker at the next request (this process)


def ocsp_cached(ctx: Any, request_der: bytes) -> bytes | None:
    """The pre-signed answer to a request seen before, or None (then call
    :func:`ocsp_respond`). Pure memory: safe to call on an event loop."""
    key = _RAW.get(request_der)
    if key is None or time.monotonic() >= _EPOCH[0]:
        return None
    hit = _CACHE.get(key)
    if hit is not None and ctx.clock.now() < hit[1]:
        return hit[0]
    return None


def _check_epoch(ctx: Any) -> None:
    """Re-read the revocation marker once the cache period is over; drop every cached
    answer when it changed (a revocation or release somewhere)."""
    if time.monotonic() < _EPOCH[0]:
        return
    with _LOCK:
        if time.monotonic() < _EPOCH[0]:
            return
        with ctx.read() as s:
            marker = tuple(s.execute(select(
                func.coalesce(func.sum(CaCertificate.crl_number), 0),
                func.count(CaCertificate.id))).one())
        if marker != _EPOCH[1]:
            _CACHE.clear()
            _RAW.clear()
            _EPOCH[1] = marker
        _EPOCH[0] = time.monotonic() + _CACHE_SECONDS


def ocsp_respond(ctx: Any, request_der: bytes) -> bytes:
    """A DER OCSPResponse for a DER OCSPRequest. Malformed requests and unknown issuers
    get the RFC 6960 error statuses, never an exception."""
    try:
        req = ocsp.load_der_ocsp_request(request_der)
        serial = req.serial_number
        algo_name = req.hash_algorithm.name
        nonce: bytes | None = None
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                nonce = ext.value.nonce
    except Exception:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    now = ctx.clock.now()
    serial_hex = format(serial, "x")
    if nonce is None and algo_name == "sha1":
        # The hot path: no database, no signature.
        _check_epoch(ctx)
        known = _ISSUERS.get((algo_name, req.issuer_name_hash, req.issuer_key_hash))
        if known is not None:
            hit = _CACHE.get((known[0], serial_hex))
            if hit is not None and now < hit[1]:
                if len(_RAW) >= _RAW_MAX:
                    _RAW.clear()
                _RAW[bytes(request_der)] = (known[0], serial_hex)
                return hit[0]
    with ctx.read() as s:
        ca = _find_issuer(s, req)
        if ca is None:
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        hours = load_settings(s).ocsp_hours
        cache_key = (ca.id, serial_hex)
        row = s.scalar(select(CaIssued).where(CaIssued.serial == serial_hex,
                                              CaIssued.issuer_id == ca.id))
        algo = _HASHES[algo_name]()
        if nonce is not None or algo_name != "sha1" or row is None:
            der, _ = _sign(ctx, s, ca, serial=serial, row=row, algo=algo, now=now, nonce=nonce)
            return der
        if row.ocsp_der is not None and _fresh(row.ocsp_next_update, now, hours):
            _remember(cache_key, row.ocsp_der, row.ocsp_next_update, hours)
            return row.ocsp_der
        row_id = row.id
    with ctx.transaction() as s:
        row = s.get(CaIssued, row_id)
        assert row is not None
        resign_response(ctx, s, row, now=now)
        der, nxt = row.ocsp_der, row.ocsp_next_update
    _remember(cache_key, der, nxt, hours)  # type: ignore[arg-type]
    return der  # type: ignore[return-value]


def _remember(key: tuple[int, str], der: bytes, next_update: dt.datetime, hours: int) -> None:
    with _LOCK:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        refresh_at = next_update - dt.timedelta(hours=hours) / 2
        _CACHE[key] = (der, refresh_at)


def presign_responses(ctx: Any, *, limit: int = 10_000) -> int:
    """Job: sign responses for certificates that have none or whose answer is half stale
    (unexpired certificates only). Returns how many were signed."""
    now = ctx.clock.now()
    count = 0
    with ctx.transaction() as s:
        settings = load_settings(s)
        hours = settings.ocsp_hours
        if settings.ocsp_delegated:
            for ca in s.scalars(select(CaCertificate).where(
                    CaCertificate.active.is_(True), CaCertificate.private_key_id.is_not(None),
                    CaCertificate.role.in_(("issuing", "root+issuing")))):
                ensure_ocsp_signer(ctx, s, ca, now=now)
        cutoff = now + dt.timedelta(hours=hours) / 2
        rows = s.scalars(select(CaIssued).where(
            CaIssued.not_after > now,
            (CaIssued.ocsp_next_update.is_(None)) | (CaIssued.ocsp_next_update < cutoff))
            .limit(limit))
        for row in rows:
            resign_response(ctx, s, row, now=now)
            count += 1
    return count
