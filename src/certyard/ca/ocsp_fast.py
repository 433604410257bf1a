"""The pre-signed OCSP set the fast path serves (RFC 5019 profile).

Every worker process holds, per certificate that has a stored response (``ca_issued.
ocsp_der``), the DER answer and the HTTP head that goes with it, under two keys derived
from what was issued, never from what clients send:

- the exact DER request a nonce-free client sends for it (one SHA-1 CertID, no
  extensions: what ``openssl ocsp -no_nonce``, browsers and cryptography build), so a
  request is answered with one dictionary lookup and no parsing;
- its CertID ``(issuer name hash, issuer key hash, serial)``, for a request that encodes
  the same question differently (parsed once, then the same lookup).

A request neither key finds (a nonce, a SHA-2 CertID, an unknown issuer or serial, a
malformed body) is not an error here: the caller sends it to the full responder.

The set is loaded in full before a worker accepts connections, then refreshed from the
database by polling a change marker (the CAs' CRL numbers and the newest
``ocsp_signed_at``) and reading only the rows signed since the last look; a change made
in this process (a revocation, a re-signing) triggers the refresh at once through
:func:`certyard.ca.ocsp.add_change_listener`. Entries are dropped once their nextUpdate
has passed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp as x509_ocsp
from sqlalchemy import func, select

from certyard.ca.authority import ca_certificate
from certyard.ca.ocsp import issuer_hashes, parse_request
from certyard.db.models.ca import CaCertificate, CaIssued

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["Entry", "PresignedSet", "canonical_request_der"]

# Rows re-read on each refresh overlap the previous look by this much, so a transaction
# that committed late (its ocsp_signed_at older than the newest seen) is not missed.
_OVERLAP = dt.timedelta(minutes=2)
_SHA1_ALGORITHM = bytes.fromhex("300906052b0e03021a0500")


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes((tag, n)) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + body


def canonical_request_der(name_hash: bytes, key_hash: bytes, serial: int) -> bytes:
    """The DER OCSPRequest (RFC 6960 4.1.1) for one SHA-1 CertID without extensions: the
    bytes a nonce-free client sends. Built directly (a few byte joins) because a worker
    makes one per certificate before it accepts connections; tests compare it with
    cryptography's OCSPRequestBuilder and with ``openssl ocsp -no_nonce -reqout``."""
    serial_bytes = serial.to_bytes(serial.bit_length() // 8 + 1, "big")  # sign bit clear
    cert_id = _tlv(0x30, _SHA1_ALGORITHM + _tlv(0x04, name_hash) + _tlv(0x04, key_hash)
                   + _tlv(0x02, serial_bytes))
    return _tlv(0x30, _tlv(0x30, _tlv(0x30, _tlv(0x30, cert_id))))


def _http_date(when: dt.datetime) -> bytes:
    return email.utils.format_datetime(when.astimezone(dt.timezone.utc), usegmt=True).encode()


@dataclass(frozen=True, slots=True)
class Entry:
    """One pre-signed answer: the body, its validity, and the fixed part of its head."""

    der: bytes
    next_update: float  # POSIX seconds
    last_modified: float  # POSIX seconds (thisUpdate)
    etag: bytes  # quoted
    head: bytes  # status line and headers up to (not including) the max-age value
    expires: bytes  # nextUpdate as an HTTP date (the 304 carries it too, RFC 9110 15.4.5)

    @classmethod
    def build(cls, der: bytes, this_update: dt.datetime, next_update: dt.datetime) -> Entry:
        etag = b'"' + hashlib.sha256(der).hexdigest()[:32].encode() + b'"'
        expires = _http_date(next_update)
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\n"
                b"Content-Length: " + str(len(der)).encode() + b"\r\nETag: " + etag
                + b"\r\nLast-Modified: " + _http_date(this_update)
                + b"\r\nExpires: " + expires
                + b"\r\nCache-Control: public, no-transform, must-revalidate, max-age=")
        return cls(der, next_update.timestamp(), this_update.timestamp(), etag, head, expires)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


class PresignedSet:
    """The pre-signed answers of this process. ``load`` and ``changes`` talk to the
    database (call them off the event loop); ``apply`` and ``lookup`` are pure memory."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.by_request: dict[bytes, Entry] = {}
        self.by_cert_id: dict[tuple[bytes, bytes, int], Entry] = {}
        self._keys: dict[tuple[int, str], tuple[bytes, tuple[bytes, bytes, int]]] = {}
        self._issuers: dict[int, tuple[bytes, bytes]] = {}
        self._since: dt.datetime | None = None
        self.marker: tuple[Any, ...] | None = None

    def __len__(self) -> int:
        return len(self._keys)

    def _read_marker(self, s: Any) -> tuple[Any, ...]:
        cas = tuple(s.execute(select(func.coalesce(func.sum(CaCertificate.crl_number), 0),
                                     func.count(CaCertificate.id))).one())
        newest = s.scalar(select(func.max(CaIssued.ocsp_signed_at)))
        window = 0
        if self._since is not None:
            window = s.scalar(select(func.count(CaIssued.id)).where(
                CaIssued.ocsp_signed_at >= self._since - _OVERLAP)) or 0
        return (*cas, newest, window)

    def _issuer_hashes(self, s: Any, ca_id: int) -> tuple[bytes, bytes] | None:
        known = self._issuers.get(ca_id)
        if known is None:
            row = s.get(CaCertificate, ca_id)
            if row is None:
                return None
            known = self._issuers[ca_id] = issuer_hashes(
                ca_certificate(row), hashes.SHA1())  # noqa: S303 (RFC 6960 CertID)
        return known

    def changes(self, *, full: bool = False, force: bool = False
                ) -> list[tuple[tuple[int, str], tuple[bytes, bytes, int] | None, Entry | None]]:
        """Rows changed since the last look (all of them when ``full``), as
        ``(row key, CertID, entry or None to drop)``; empty when the marker did not move
        (unless ``force``)."""
        now = self.ctx.clock.now()
        with self.ctx.read() as s:
            marker = self._read_marker(s)
            if not full and not force and marker == self.marker:
                return []
            query = select(CaIssued.issuer_id, CaIssued.serial, CaIssued.ocsp_der,
                           CaIssued.ocsp_next_update, CaIssued.ocsp_signed_at)
            if full or self._since is None:
                query = query.where(CaIssued.ocsp_der.is_not(None),
                                    CaIssued.ocsp_next_update > now)
            else:
                query = query.where(CaIssued.ocsp_signed_at >= self._since - _OVERLAP)
            out: list[tuple[tuple[int, str], tuple[bytes, bytes, int] | None,
                            Entry | None]] = []
            newest = self._since
            for issuer_id, serial, der, next_update, signed_at in s.execute(query):
                hashes_ = self._issuer_hashes(s, issuer_id)
                if hashes_ is None:
                    continue
                cert_id = (hashes_[0], hashes_[1], int(serial, 16))
                entry = None
                if der is not None and next_update is not None and _aware(next_update) > now:
                    if signed_at is not None:
                        this_update = _aware(signed_at) - dt.timedelta(minutes=1)
                    else:  # stored before ocsp_signed_at existed
                        this_update = x509_ocsp.load_der_ocsp_response(der).this_update_utc
                    entry = Entry.build(der, this_update, _aware(next_update))
                if signed_at is not None and (newest is None or _aware(signed_at) > newest):
                    newest = _aware(signed_at)
                out.append(((issuer_id, serial), cert_id, entry))
        self._since = newest or now
        self.marker = marker
        return out

    def apply(self, changes: list[tuple[tuple[int, str], tuple[bytes, bytes, int] | None,
                                        Entry | None]], *, full: bool = False) -> None:
        if full:
            self.by_request, self.by_cert_id, self._keys = {}, {}, {}
        for key, cert_id, entry in changes:
            old = self._keys.pop(key, None)
            if old is not None:
                self.by_request.pop(old[0], None)
                self.by_cert_id.pop(old[1], None)
            if entry is None or cert_id is None:
                continue
            request = canonical_request_der(*cert_id)
            self._keys[key] = (request, cert_id)
            self.by_request[request] = entry
            self.by_cert_id[cert_id] = entry

    def load(self) -> None:
        """Everything, at start (before accepting connections)."""
        self.apply(self.changes(full=True), full=True)

    def drop_expired(self, now: float) -> None:
        for key, (request, cert_id) in list(self._keys.items()):
            entry = self.by_request.get(request)
            if entry is None or entry.next_update <= now:
                del self._keys[key]
                self.by_request.pop(request, None)
                self.by_cert_id.pop(cert_id, None)

    def lookup(self, request_der: bytes) -> Entry | None:
        """The entry answering a nonce-free SHA-1 request, or None (the full path)."""
        entry = self.by_request.get(request_der)
        if entry is not None:
            return entry
        if not self.by_cert_id:
            return None
        req = parse_request(request_der)
        if req is None or req.nonce is not None or req.algorithm != "sha1":
            return None
        return self.by_cert_id.get((req.issuer_name_hash, req.issuer_key_hash, req.serial))
