"""The OCSP responder (RFC 6960).

Answers are pre-signed: each issued certificate's latest response is stored on its row and
kept in a per-process cache keyed by certificate (issuer, serial), so a request without a
nonce is a lookup. A response is re-signed when half its validity has passed, and at once
(in the same transaction) when the certificate is revoked or released. A request carrying
a nonce gets a freshly signed answer echoing it. The issuing CA signs its own responses
(RFC 6960 2.2), or its delegated responder certificate when that setting is on.

What a client sends never decides how much memory is kept: the cache holds one entry per
certificate the CA issued (entries are only added after the certificate's row was found),
never request bytes. What costs a signature for a client (a nonce, a SHA-2 CertID, a serial
that was never issued) is rate-limited per source address (:class:`SignatureBudget`);
beyond it the answer is ``tryLater``. Nonces must be 1 to 32 bytes (RFC 8954 2.1,
``OCTET STRING (SIZE(1..32))``); a longer or empty one is refused with
``malformedRequest`` before anything is signed.

When the CA key cannot sign (its PKCS#11 token is away: ``TokenUnavailable``), a stored
answer that has not reached its nextUpdate is still served even when it is due for
re-signing; a question that needs a new signature (a nonce, a SHA-2 CertID, an unknown
serial, a certificate never answered before) gets ``tryLater`` (RFC 6960 2.3), never an
exception. The signer raises the token alarm itself.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from certyard.ca.authority import ca_certificate, open_ca_key
from certyard.ca.config import load_settings
from certyard.ca.crl import REASONS
from certyard.ca.ocsp_signer import delegated_signer, ensure_ocsp_signer
from certyard.ca.signing import sign_ocsp_response
from certyard.db.models.ca import CaCertificate, CaIssued
from certyard.errors import CertyardError

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["MAX_NONCE", "OcspRequestFields", "SignatureBudget", "add_change_listener",
           "issuer_hashes", "ocsp_cached", "ocsp_respond", "parse_request",
           "presign_responses", "remove_change_listener", "resign_response"]

MAX_NONCE = 32  # RFC 8954 2.1
# (issuer id, serial) -> (DER, re-sign time); one entry per issued certificate at most.
_CACHE: dict[tuple[int, str], tuple[bytes, dt.datetime]] = {}
# How long another replica's revocation can go unseen here: the whole cache is trusted
# until the monotonic deadline _EPOCH[0]; then one query reads the revocation marker (the
# sum of the CAs' CRL numbers, bumped by every revocation, release and CRL refresh, on any
# replica) and the cache is dropped when it moved.
_CACHE_SECONDS = 5.0
_EPOCH: list[Any] = [0.0, None]  # [monotonic deadline, marker]
_CACHE_MAX = 1_000_000
# (hash algorithm, issuer name hash, issuer key hash) -> (CA id, CA fingerprint): only CAs
# we hold, so bounded by the CA table.
_ISSUERS: dict[tuple[str, bytes, bytes], tuple[int, str]] = {}
_LOCK = threading.Lock()
_HASHES: dict[str, type[hashes.SHA1 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512}
_LISTENERS: list[Callable[[], None]] = []


class SignatureBudget:
    """Per-source token bucket for answers that cost a signature. ``rate`` signatures a
    second with bursts of ``burst``; at most ``max_sources`` addresses are tracked (the
    least recently seen is forgotten first), so the table itself is bounded."""

    def __init__(self, *, rate: float = 20.0, burst: float = 40.0, max_sources: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.max_sources, self.clock = rate, burst, max_sources, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, source: str | None) -> bool:
        key = source or "-"
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            ok = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if ok else tokens, now)
            while len(self._buckets) > self.max_sources:
                self._buckets.popitem(last=False)
            return ok

    def __len__(self) -> int:
        return len(self._buckets)


BUDGET = SignatureBudget()


@dataclass(frozen=True, slots=True)
class OcspRequestFields:
    """The parts of a single-certificate OCSPRequest the responder uses."""

    algorithm: str
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial: int
    nonce: bytes | None


def parse_request(request_der: bytes) -> OcspRequestFields | None:
    """The fields of a DER OCSPRequest, or None when it is malformed (including a nonce
    outside RFC 8954's 1..32 bytes)."""
    try:
        req = ocsp.load_der_ocsp_request(request_der)
        nonce: bytes | None = None
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                nonce = ext.value.nonce
        fields = OcspRequestFields(req.hash_algorithm.name, req.issuer_name_hash,
                                   req.issuer_key_hash, req.serial_number, nonce)
    except Exception:
        return None
    if nonce is not None and not 1 <= len(nonce) <= MAX_NONCE:
        return None
    return fields


def add_change_listener(callback: Callable[[], None]) -> None:
    """Call ``callback`` (from the committing thread) after a transaction that changed a
    stored response commits: the OCSP fast path refreshes its pre-signed set at once."""
    _LISTENERS.append(callback)


def remove_change_listener(callback: Callable[[], None]) -> None:
    if callback in _LISTENERS:
        _LISTENERS.remove(callback)


def _changed_on_commit(s: Session) -> None:
    if s.info.get("ocsp_listeners") or not _LISTENERS:
        return
    s.info["ocsp_listeners"] = True

    def fire(session: Session) -> None:
        session.info.pop("ocsp_listeners", None)
        for callback in list(_LISTENERS):
            callback()

    def reset(session: Session) -> None:
        session.info.pop("ocsp_listeners", None)

    event.listen(s, "after_commit", fire, once=True)
    event.listen(s, "after_rollback", reset, once=True)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(Encoding.DER)


def issuer_hashes(cert: x509.Certificate, algo: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """The CertID issuer hashes: of the CA's DER subject, and (computed by cryptography)
    of its public key bits."""
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, cert, algo).build()
    name_hash = hashes.Hash(algo)
    name_hash.update(cert.subject.public_bytes())
    return name_hash.finalize(), req.issuer_key_hash


_issuer_hashes = issuer_hashes  # the name ocsp_export imports


def _find_issuer(s: Session, req: OcspRequestFields) -> CaCertificate | None:
    algo_name = req.algorithm
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
        hashes_ = issuer_hashes(ca_certificate(row), algo_cls())
        _ISSUERS[(algo_name, *hashes_)] = (row.id, row.fingerprint_sha256)
        if hashes_ == (req.issuer_name_hash, req.issuer_key_hash):
            return row
    return None


def _signing_pair(ctx: AppContext, s: Session, ca: CaCertificate,
                  now: dt.datetime) -> tuple[x509.Certificate, Any, bool]:
    """(responder certificate, key, delegated?): the one place that chooses who signs."""
    delegated = delegated_signer(ctx, s, ca, now)
    if delegated:
        return delegated[0], delegated[1], True
    return ca_certificate(ca), open_ca_key(ctx, s, ca), False


def _sign(
    ctx: AppContext, s: Session, ca: CaCertificate, *, serial: int, row: CaIssued | None,
    algo: hashes.HashAlgorithm, now: dt.datetime, nonce: bytes | None,
) -> tuple[bytes, dt.datetime]:
    issuer = ca_certificate(ca)
    responder, key, delegated = _signing_pair(ctx, s, ca, now)
    hours = load_settings(s).ocsp_hours
    next_update = now + dt.timedelta(hours=hours)
    this_update = now - dt.timedelta(minutes=1)
    b = ocsp.OCSPResponseBuilder()
    if row is None:
        name_hash, key_hash = issuer_hashes(issuer, algo)
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


def resign_response(ctx: AppContext, s: Session, row: CaIssued, *, now: dt.datetime) -> None:
    """Re-sign and store a certificate's response (SHA-1 CertID, what clients send) inside
    the caller's transaction, and drop this process's cached copy."""
    ca = s.get(CaCertificate, row.issuer_id)
    assert ca is not None
    der, nxt = _sign(ctx, s, ca, serial=int(row.serial, 16), row=row, algo=hashes.SHA1(),  # noqa: S303 (RFC 6960 CertID)
                     now=now, nonce=None)
    row.ocsp_der, row.ocsp_next_update, row.ocsp_signed_at = der, nxt, now
    forget_cached(ca.id, row.serial)
    _changed_on_commit(s)


def forget_cached(ca_id: int | None = None, serial: str | None = None) -> None:
    """Drop one cached answer, or all of them; the marker is re-read at the next request."""
    with _LOCK:
        if ca_id is None or serial is None:
            _CACHE.clear()
        else:
            _CACHE.pop((ca_id, serial), None)
        _EPOCH[0] = 0.0


def _lookup(req: OcspRequestFields, now: dt.datetime) -> bytes | None:
    known = _ISSUERS.get((req.algorithm, req.issuer_name_hash, req.issuer_key_hash))
    if known is None:
        return None
    hit = _CACHE.get((known[0], format(req.serial, "x")))
    if hit is not None and now < hit[1]:
        return hit[0]
    return None


def ocsp_cached(ctx: AppContext, request_der: bytes) -> bytes | None:
    """The pre-signed answer to a nonce-free SHA-1 request whose certificate was answered
    before, or None (then call :func:`ocsp_respond`). Pure memory: safe on an event loop."""
    if time.monotonic() >= _EPOCH[0]:
        return None
    req = parse_request(request_der)
    if req is None or req.nonce is not None or req.algorithm != "sha1":
        return None
    return _lookup(req, ctx.clock.now())


def _check_epoch(ctx: AppContext) -> None:
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
            _EPOCH[1] = marker
        _EPOCH[0] = time.monotonic() + _CACHE_SECONDS


def ocsp_respond(ctx: AppContext, request_der: bytes, *, source: str | None = None,
                 budget: SignatureBudget | None = None) -> bytes:
    """A DER OCSPResponse for a DER OCSPRequest from ``source`` (the client's address).
    Malformed requests and unknown issuers get the RFC 6960 error statuses, never an
    exception; a source over its signature budget, or a question that needs a signature
    while the CA key cannot sign (its token is away), gets ``tryLater``."""
    try:
        return _respond(ctx, request_der, source=source, budget=budget)
    except CertyardError:
        # The CA key could not be reached or opened (TokenUnavailable, a PKCS#11 module
        # that is gone...): the signer has raised the alarm; the client asks again later.
        return _unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)


def _respond(ctx: AppContext, request_der: bytes, *, source: str | None,
             budget: SignatureBudget | None) -> bytes:
    req = parse_request(request_der)
    if req is None:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    now = ctx.clock.now()
    serial_hex = format(req.serial, "x")
    if req.nonce is None and req.algorithm == "sha1":
        _check_epoch(ctx)  # the hot path: no database, no signature
        hit = _lookup(req, now)
        if hit is not None:
            return hit
    with ctx.read() as s:
        ca = _find_issuer(s, req)
        if ca is None:
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        hours = load_settings(s).ocsp_hours
        cache_key = (ca.id, serial_hex)
        row = s.scalar(select(CaIssued).where(CaIssued.serial == serial_hex,
                                              CaIssued.issuer_id == ca.id))
        if req.nonce is not None or req.algorithm != "sha1" or row is None:
            # Signed for this client alone: what a stranger can make the CA sign is capped.
            if not (budget if budget is not None else BUDGET).allow(source):
                return _unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
            der, _ = _sign(ctx, s, ca, serial=req.serial, row=row,
                           algo=_HASHES[req.algorithm](), now=now, nonce=req.nonce)
            return der
        if (row.ocsp_der is not None and row.ocsp_next_update is not None
                and _fresh(row.ocsp_next_update, now, hours)):
            _remember(cache_key, row.ocsp_der, row.ocsp_next_update, hours)
            return row.ocsp_der
        row_id = row.id
        stored = row.ocsp_der
        valid = row.ocsp_next_update is not None and _aware(row.ocsp_next_update) > now
    # A certificate we issued whose stored answer is missing or half stale: one signature
    # per certificate, stored, so bounded by what was issued.
    try:
        with ctx.transaction() as s:
            row = s.get(CaIssued, row_id)
            assert row is not None
            resign_response(ctx, s, row, now=now)
            fresh, nxt = row.ocsp_der, row.ocsp_next_update
    except CertyardError:
        if stored is not None and valid:
            return stored  # due for re-signing but still valid: better than tryLater
        raise
    assert fresh is not None and nxt is not None  # resign_response stored both
    _remember(cache_key, fresh, nxt, hours)
    return fresh


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _remember(key: tuple[int, str], der: bytes, next_update: dt.datetime, hours: int) -> None:
    with _LOCK:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        refresh_at = next_update - dt.timedelta(hours=hours) / 2
        _CACHE[key] = (der, refresh_at)


def cache_size() -> int:
    """How many answers this process holds in memory (for tests and metrics)."""
    return len(_CACHE)


def presign_responses(ctx: AppContext, *, limit: int = 10_000) -> int:
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
