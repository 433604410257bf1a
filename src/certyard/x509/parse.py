"""Reading uploaded material: certificates (PEM, DER, PKCS#7 in PEM or DER) and CSRs.

Every failure is an InvalidFile subclass with a one-line reason. Parsing is forced here
(subject, extensions, public key) so that a lazily-parsed object that would fail later
fails now, before anything is stored.
"""

from __future__ import annotations

import binascii
import re
import warnings

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import pkcs7

from certyard.errors import InvalidCertificateFile, InvalidCSR, InvalidFile

__all__ = [
    "MAX_CERTIFICATES_PER_FILE",
    "check_size",
    "load_certificates",
    "load_csr",
    "pem_blocks",
]

MAX_CERTIFICATES_PER_FILE = 64
# What cryptography raises for malformed or unsupported content inside a parsable file:
# ValueError and its own types (InvalidVersion, DuplicateExtension, UnsupportedAlgorithm,
# ...). Hostile input meets this boundary, so any exception from parsing is a bad file.
_PARSE_ERRORS = (Exception,)
_PEM = re.compile(
    rb"-----BEGIN ([A-Z0-9 #]{1,40})-----\r?\n(.*?)-----END ([A-Z0-9 #]{1,40})-----", re.S
)
_CERT_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE"}
_P7_LABELS = {b"PKCS7", b"PKCS #7 SIGNED DATA", b"CMS"}
_CSR_LABELS = {b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST"}


def check_size(data: bytes, limit: int, *, what: str = "file") -> None:
    if not data or not data.strip():
        raise InvalidFile(f"the {what} is empty")
    if len(data) > limit:
        raise InvalidFile(
            f"the {what} is {len(data):,} bytes; the limit is {limit:,} bytes"
        )


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """(label, DER) for every PEM block; raises on a block whose base64 is broken."""
    blocks: list[tuple[str, bytes]] = []
    for m in _PEM.finditer(data):
        label, body, end = m.group(1), m.group(2), m.group(3)
        if label != end:
            raise InvalidFile(f"PEM block BEGIN {label.decode()} ends with END {end.decode()}")
        lines = [ln.strip() for ln in body.splitlines()]
        payload = b"".join(ln for ln in lines if ln and b":" not in ln)
        try:  # strict: only the base64 alphabet, padding only at the end
            der = binascii.a2b_base64(payload, strict_mode=True)
        except (binascii.Error, ValueError):
            raise InvalidFile(f"PEM block {label.decode()} has invalid base64") from None
        blocks.append((label.decode(), der))
    return blocks


def _touch(cert: x509.Certificate) -> x509.Certificate:
    """Force full parsing; cryptography defers some of it to first access."""
    cert.subject.rfc4514_string()
    cert.issuer.rfc4514_string()
    cert.public_key()
    _ = cert.not_valid_after_utc, cert.not_valid_before_utc, cert.serial_number
    for _ext in cert.extensions:
        pass
    return cert


def _cert_from_der(der: bytes) -> x509.Certificate:
    try:
        return _touch(x509.load_der_x509_certificate(der))
    except _PARSE_ERRORS as exc:
        raise InvalidCertificateFile(f"certificate cannot be parsed: {_reason(exc)}") from None


def _p7_from_der(der: bytes) -> list[x509.Certificate]:
    try:
        with warnings.catch_warnings():
            # openssl writes SET OF certificates unsorted (BER); that is normal, not an error.
            warnings.simplefilter("ignore", UserWarning)
            certs = pkcs7.load_der_pkcs7_certificates(der)
    except _PARSE_ERRORS as exc:  # ValueError, and UnsupportedAlgorithm for content types
        # other than signedData (data, envelopedData...): a bad file either way.
        if "no certificate data" in str(exc):
            raise InvalidCertificateFile("the PKCS#7 file contains no certificates") from None
        raise InvalidCertificateFile(f"PKCS#7 cannot be parsed: {_reason(exc)}") from None
    if not certs:
        raise InvalidCertificateFile("the PKCS#7 file contains no certificates")
    try:
        return [_touch(c) for c in certs]
    except _PARSE_ERRORS as exc:
        raise InvalidCertificateFile(
            f"a certificate inside the PKCS#7 cannot be parsed: {_reason(exc)}"
        ) from None


def load_certificates(data: bytes, *, limit: int = 1024 * 1024) -> list[x509.Certificate]:
    """All certificates in a PEM (one or many CERTIFICATE / PKCS7 blocks), DER certificate
    or DER PKCS#7 file, in file order."""
    check_size(data, limit)
    certs: list[x509.Certificate] = []
    if b"-----BEGIN" in data:
        blocks = pem_blocks(data)
        if not blocks:
            raise InvalidCertificateFile("the PEM file has no complete BEGIN/END block")
        for label, der in blocks:
            if label.encode() in _CERT_LABELS:
                certs.append(_cert_from_der(der))
            elif label.encode() in _P7_LABELS:
                certs.extend(_p7_from_der(der))
            elif "PRIVATE KEY" in label:
                raise InvalidCertificateFile(
                    f"the file holds a {label}, not a certificate; upload private keys only "
                    "where a key is asked for"
                )
            else:
                raise InvalidCertificateFile(
                    f"PEM block labelled {label!r} where a CERTIFICATE or PKCS7 was expected"
                )
    else:
        if data[:1] != b"\x30":
            raise InvalidCertificateFile(
                "not a certificate: neither PEM text nor DER (an ASN.1 SEQUENCE)"
            )
        try:
            certs = [_cert_from_der(data)]
        except InvalidCertificateFile as as_cert:
            try:
                certs = _p7_from_der(data)
            except InvalidCertificateFile as as_p7:
                if "no certificates" in str(as_p7):
                    raise
                raise InvalidCertificateFile(
                    f"not a DER certificate or PKCS#7 (truncated or corrupt?): "
                    f"{as_cert.message.split(': ', 1)[-1]}"
                ) from None
    if not certs:
        raise InvalidCertificateFile("the file contains no certificates")
    if len(certs) > MAX_CERTIFICATES_PER_FILE:
        raise InvalidCertificateFile(
            f"the file holds {len(certs)} certificates; at most "
            f"{MAX_CERTIFICATES_PER_FILE} are accepted in one upload"
        )
    return certs


def load_csr(data: bytes, *, limit: int = 1024 * 1024) -> x509.CertificateSigningRequest:
    """A PKCS#10 request in PEM or DER, with its self-signature verified."""
    check_size(data, limit, what="CSR")
    der = data
    if b"-----BEGIN" in data:
        blocks = pem_blocks(data)
        csr_blocks = [d for label, d in blocks if label.encode() in _CSR_LABELS]
        if not csr_blocks:
            labels = ", ".join(label for label, _ in blocks) or "none complete"
            raise InvalidCSR(f"no CERTIFICATE REQUEST block in the PEM file (found: {labels})")
        if len(csr_blocks) > 1:
            raise InvalidCSR("the file holds more than one CERTIFICATE REQUEST")
        der = csr_blocks[0]
    try:
        csr = x509.load_der_x509_csr(der)
        csr.subject.rfc4514_string()
        csr.public_key()
        for _ext in csr.extensions:
            pass
    except _PARSE_ERRORS as exc:
        raise InvalidCSR(f"CSR cannot be parsed: {_reason(exc)}") from None
    try:
        valid = csr.is_signature_valid
    except _PARSE_ERRORS as exc:
        raise InvalidCSR(f"CSR signature cannot be checked: {_reason(exc)}") from None
    if not valid:
        raise InvalidCSR("the CSR's signature does not verify with its own public key")
    return csr


_ASN1_KINDS = {
    "ShortData": "the data is truncated",
    "UnexpectedTag": "unexpected ASN.1 structure",
    "InvalidLength": "an ASN.1 length is invalid",
    "ExtraData": "there are extra bytes after the structure",
    "InvalidValue": "an ASN.1 value is invalid",
    "InvalidSetOrdering": "a SET is not in DER order",
    "EncodedDefault": "a DEFAULT value is encoded (not DER)",
    "IntegerOverflow": "an integer is too large",
    "OidTooLong": "an object identifier is too long",
}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnsupportedAlgorithm):
        return f"unsupported algorithm ({' '.join(str(exc).split())[:100]})"
    if isinstance(exc, x509.InvalidVersion):
        return "invalid X.509 version"
    if isinstance(exc, x509.DuplicateExtension):
        return "an extension appears twice"
    text = " ".join(str(exc).split())
    m = re.search(r"ParseError \{ kind: (\w+)", text)
    if m:
        return _ASN1_KINDS.get(m.group(1), f"malformed ASN.1 ({m.group(1)})")
    if len(text) > 160:
        text = text[:157] + "..."
    return text or type(exc).__name__
