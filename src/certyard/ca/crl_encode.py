"""Encoding a CRL with many entries fast.

``cryptography`` builds and signs the CRL's frame (version, signature algorithm, issuer,
thisUpdate, nextUpdate, extensions) as for any CRL. Only the ``revokedCertificates`` list is
encoded here, because a ``RevokedCertificateBuilder`` object per entry costs ~25 µs in Python
and a million entries then take longer than ``openssl ca -gencrl``. RFC 5280 5.1::

    TBSCertList ::= SEQUENCE {
        version INTEGER OPTIONAL (v2), signature AlgorithmIdentifier, issuer Name,
        thisUpdate Time, nextUpdate Time OPTIONAL,
        revokedCertificates SEQUENCE OF SEQUENCE {
            userCertificate CertificateSerialNumber, revocationDate Time,
            crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
        crlExtensions [0] EXPLICIT Extensions OPTIONAL }

The frame is signed once without entries, the entry list is put in before ``[0]``, and the
new TBS is signed by the same signer. Each entry is DER exactly as ``cryptography`` writes it
(tests compare the TBS bytes of both), so the result is the same CRL either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from certyard.ca.signing import der
from certyard.ca.signing.assemble import _direct_key, _throwaway
from certyard.ca.signing.base import hash_for

__all__ = ["entry_der", "entry_der_from_row", "reason_extension_der", "sign_crl_with_entries"]

_CRL_REASON_OID = bytes.fromhex("0603551d15")  # id-ce-cRLReasons 2.5.29.21
_UTC = dt.timezone.utc


def reason_extension_der(flag: x509.ReasonFlags | None) -> bytes:
    """``crlEntryExtensions`` holding only the reason code (none for unspecified: RFC 5280
    5.3.1 says to leave it out)."""
    if flag is None or flag == x509.ReasonFlags.unspecified:
        return b""
    value = x509.CRLReason(flag).public_bytes()  # ENUMERATED
    return der.sequence(der.sequence(_CRL_REASON_OID, der.octet_string(value)))


def _integer(n: int) -> bytes:
    if n <= 0:
        raise ValueError("a certificate serial number is a positive integer")
    return der.encode(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


def _time(when: dt.datetime) -> bytes:
    """UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 5.1.2.4), whole seconds."""
    if when.tzinfo is not None:
        when = when.astimezone(_UTC)
    if when.year < 2050:
        return der.encode(0x17, when.strftime("%y%m%d%H%M%SZ").encode())
    return der.encode(0x18, when.strftime("%Y%m%d%H%M%SZ").encode())


def entry_der(serial: int, when: dt.datetime, extensions: bytes = b"") -> bytes:
    """One ``revokedCertificates`` entry, DER."""
    return der.sequence(_integer(serial), _time(when), extensions)


def _short_time(text: str) -> bytes | None:
    """UTCTime straight from a stored naive-UTC ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (how SQLite
    hands dates back), without a datetime; None for any other shape."""
    if len(text) < 19 or text[4] != "-" or text[10] not in " T" or len(text) > 26 \
            or not "1950" <= text[:4] < "2050" or (len(text) > 19 and text[19] != "."):
        return None
    digits = text[2:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]
    if not digits.isdigit():
        return None
    return b"\x17\x0d" + digits.encode() + b"Z"


def entry_der_from_row(serial_hex: str, when: dt.datetime | str, extensions: bytes) -> bytes:
    """:func:`entry_der` for a stored row (hex serial, date as stored), on the hot path of a
    large CRL: no integer or datetime objects when the stored forms allow it."""
    time = _short_time(when) if isinstance(when, str) else None
    if time is None:
        if isinstance(when, str):
            when = dt.datetime.fromisoformat(when)
        time = _time(when)
    raw = bytes.fromhex(serial_hex if len(serial_hex) % 2 == 0 else "0" + serial_hex)
    raw = raw.lstrip(b"\x00")
    if not raw:
        raise ValueError("a certificate serial number is a positive integer")
    if raw[0] & 0x80:
        raw = b"\x00" + raw
    body_len = 2 + len(raw) + len(time) + len(extensions)
    if len(raw) > 127 or body_len > 127:
        return entry_der(int(serial_hex, 16), dt.datetime.fromisoformat(when)
                         if isinstance(when, str) else when, extensions)
    return b"\x30" + bytes((body_len, 0x02, len(raw))) + raw + time + extensions


def _sign(signer: Any, tbs: bytes) -> bytes:
    key = _direct_key(signer)
    if key is None:
        return bytes(signer.sign(tbs))
    algorithm = hash_for(key.public_key())
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(tbs, padding.PKCS1v15(), algorithm)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(tbs, ec.ECDSA(algorithm))
    raise TypeError(f"unsupported CA key type {type(key).__name__}")


def sign_crl_with_entries(builder: x509.CertificateRevocationListBuilder, signer: Any,
                          entries: Iterable[bytes]) -> bytes:
    """The DER CRL of ``builder`` (which has no entries) with ``entries`` (each from
    :func:`entry_der`) as its revokedCertificates, signed by ``signer``."""
    key = _direct_key(signer)
    if key is not None:
        draft = builder.sign(key, hash_for(key.public_key()))
    else:
        draft = builder.sign(_throwaway(signer.public_key()), signer.hash_algorithm)
    parts = der.elements(draft.public_bytes(Encoding.DER))
    tbs = der.elements(parts[0])
    body = b"".join(entries)
    if body:
        at = len(tbs) - 1 if tbs[-1][0] == 0xA0 else len(tbs)  # before crlExtensions
        tbs.insert(at, der.encode(der.SEQUENCE, body))
    new_tbs = der.sequence(*tbs)
    return der.sequence(new_tbs, parts[1], der.bit_string(_sign(signer, new_tbs)))
