"""Describing certificates and CSRs as plain values for lists, details and JSON."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID, NameOID

from certyard.x509.keys import key_description, public_sha256
from certyard.x509.names import san_strings

__all__ = [
    "CertificateFacts",
    "certificate_details",
    "certificate_facts",
    "common_name",
    "csr_facts",
    "fingerprint",
    "is_self_signed",
    "signature_hash_name",
]


def fingerprint(der: bytes, algorithm: str = "sha256") -> str:
    return hashlib.new(algorithm, der).hexdigest()


def common_name(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if attrs:
        value = attrs[0].value
        return value if isinstance(value, str) else value.decode(errors="replace")
    return name.rfc4514_string() or "(empty subject)"


def signature_hash_name(obj: x509.Certificate | x509.CertificateSigningRequest) -> str | None:
    algo = obj.signature_hash_algorithm
    return algo.name.upper().replace("-", "") if algo is not None else None


def is_self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:
        return False
    return True


def _sans(obj: x509.Certificate | x509.CertificateSigningRequest) -> list[str]:
    try:
        ext = obj.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return san_strings(ext.value)


@dataclass(frozen=True, kw_only=True)
class CertificateFacts:
    """What the store indexes about a certificate or CSR."""

    common_name: str
    subject: str
    issuer: str | None
    serial: str | None
    not_before: Any
    not_after: Any
    key_type: str
    key_size: int
    signature_hash: str | None
    self_signed: bool
    fingerprint_sha256: str
    public_sha256: str
    sans: list[str]
    der: bytes


def certificate_facts(cert: x509.Certificate) -> CertificateFacts:
    der = cert.public_bytes(Encoding.DER)
    key_type, key_size = key_description(cert.public_key())
    return CertificateFacts(
        common_name=common_name(cert.subject),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_size=key_size,
        signature_hash=signature_hash_name(cert),
        self_signed=is_self_signed(cert),
        fingerprint_sha256=fingerprint(der),
        public_sha256=public_sha256(cert.public_key()),
        sans=_sans(cert),
        der=der,
    )


def csr_facts(csr: x509.CertificateSigningRequest) -> CertificateFacts:
    der = csr.public_bytes(Encoding.DER)
    key_type, key_size = key_description(csr.public_key())
    return CertificateFacts(
        common_name=common_name(csr.subject),
        subject=csr.subject.rfc4514_string(),
        issuer=None,
        serial=None,
        not_before=None,
        not_after=None,
        key_type=key_type,
        key_size=key_size,
        signature_hash=signature_hash_name(csr),
        self_signed=False,
        fingerprint_sha256=fingerprint(der),
        public_sha256=public_sha256(csr.public_key()),
        sans=_sans(csr),
        der=der,
    )


def _ext_value(ext: x509.Extension[x509.ExtensionType]) -> Any:
    v = ext.value
    if isinstance(v, x509.KeyUsage):
        names = ["digital_signature", "content_commitment", "key_encipherment",
                 "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign"]
        out = [n for n in names if getattr(v, n)]
        if v.key_agreement:
            out += [n for n in ("encipher_only", "decipher_only") if getattr(v, n)]
        return out
    if isinstance(v, x509.ExtendedKeyUsage):
        return [getattr(oid, "_name", oid.dotted_string) for oid in v]
    if isinstance(v, x509.BasicConstraints):
        return {"ca": v.ca, "path_length": v.path_length}
    if isinstance(v, x509.SubjectAlternativeName):
        return san_strings(v)
    if isinstance(v, x509.AuthorityInformationAccess):
        return [f"{d.access_method._name}: {d.access_location.value}" for d in v]
    if isinstance(v, x509.CRLDistributionPoints):
        return [n.value for dp in v for n in (dp.full_name or [])]
    if isinstance(v, x509.SubjectKeyIdentifier):
        return v.digest.hex(":")
    if isinstance(v, x509.AuthorityKeyIdentifier):
        return v.key_identifier.hex(":") if v.key_identifier else None
    return str(v)[:300]


def certificate_details(cert: x509.Certificate) -> dict[str, Any]:
    """Everything the Certificate Details window shows, as plain values."""
    der = cert.public_bytes(Encoding.DER)
    key_type, key_size = key_description(cert.public_key())
    exts: dict[str, Any] = {}
    for ext in cert.extensions:
        name = getattr(ext.oid, "_name", ext.oid.dotted_string)
        exts[name] = {"critical": ext.critical, "value": _ext_value(ext)}
    labels = {
        ExtensionOID.KEY_USAGE: "key_usage",
        ExtensionOID.EXTENDED_KEY_USAGE: "extended_key_usage",
        ExtensionOID.BASIC_CONSTRAINTS: "basic_constraints",
        ExtensionOID.AUTHORITY_INFORMATION_ACCESS: "authority_information_access",
        ExtensionOID.CRL_DISTRIBUTION_POINTS: "crl_distribution_points",
    }
    named = {}
    for oid, label in labels.items():
        try:
            named[label] = _ext_value(cert.extensions.get_extension_for_oid(oid))
        except x509.ExtensionNotFound:
            named[label] = None
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "key_type": key_type,
        "key_size": key_size,
        "signature_algorithm": getattr(cert.signature_algorithm_oid, "_name", None)
        or cert.signature_algorithm_oid.dotted_string,
        "sans": _sans(cert),
        **named,
        "extensions": exts,
        "sha512": fingerprint(der, "sha512"),
        "sha256": fingerprint(der, "sha256"),
        "sha1": fingerprint(der, "sha1"),
    }


def csr_details(csr: x509.CertificateSigningRequest) -> dict[str, Any]:
    der = csr.public_bytes(Encoding.DER)
    key_type, key_size = key_description(csr.public_key())
    exts = {}
    for ext in csr.extensions:
        exts[getattr(ext.oid, "_name", ext.oid.dotted_string)] = {
            "critical": ext.critical, "value": _ext_value(ext)}
    return {
        "subject": csr.subject.rfc4514_string(),
        "key_type": key_type,
        "key_size": key_size,
        "signature_algorithm": getattr(csr.signature_algorithm_oid, "_name", None)
        or csr.signature_algorithm_oid.dotted_string,
        "sans": _sans(csr),
        "extensions": exts,
        "sha512": fingerprint(der, "sha512"),
        "sha256": fingerprint(der, "sha256"),
    }
