"""certyard's own checks on a validated path: RFC 5280 and web-PKI rules the library skips.

``cryptography.x509.verification`` builds and checks the path; this module then applies the
rules it leaves out, each with a reason code (the code is what callers branch on):

========================================  ===================================================
code                                      rule
========================================  ===================================================
``malformed_extensions``                  a certificate's extensions cannot be parsed
                                          (duplicates, bad DER)
``serial_not_positive``                   serial number zero or negative below the anchor
                                          (RFC 5280 4.1.2.2)
``missing_aki``                           a certificate that is not self-issued has no
                                          authorityKeyIdentifier keyIdentifier (4.2.1.1)
``missing_ski``                           a CA certificate has no subjectKeyIdentifier
                                          (4.2.1.2)
``root_aki_malformed``                    a self-signed root's AKI names an issuer or serial,
                                          or its keyIdentifier differs from its SKI
``noncritical_name_constraints``          NameConstraints not marked critical (4.2.1.10)
``noncritical_policy_constraints``        PolicyConstraints not marked critical (4.2.1.11)
``ca_as_leaf``                            the end-entity certificate is a CA (cA=TRUE)
``leaf_without_eku``                      no extendedKeyUsage in the end-entity certificate
``leaf_any_eku``                          anyExtendedKeyUsage in the end-entity certificate
``root_with_eku``                         extendedKeyUsage in the trust anchor
``cn_not_in_san``                         a Common Name that is not, byte for byte, one of
                                          the SANs (IP addresses in their canonical text form)
``wildcard_too_broad``                    a wildcard directly above a top-level label
                                          (``*.com``)
``forbidden_key_type``                    DSA or an EC curve other than P-256/384/521
``rsa_modulus_not_byte_aligned``          an RSA modulus whose size is not a multiple of 8
========================================  ===================================================
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Finding", "path_findings"]

_CURVES = ("secp256r1", "secp384r1", "secp521r1")


@dataclass(frozen=True)
class Finding:
    """One rule a certificate of the path breaks."""

    code: str
    message: str


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "(empty subject)"


def _ext(cert: x509.Certificate, cls: type) -> x509.Extension | None:  # type: ignore[type-arg]
    try:
        return cert.extensions.get_extension_for_class(cls)
    except x509.ExtensionNotFound:
        return None


def _self_issued(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def _structure(cert: x509.Certificate, *, is_ca: bool, is_anchor: bool) -> list[Finding]:
    out: list[Finding] = []
    who = _name(cert)
    if cert.serial_number <= 0 and not is_anchor:  # some long-trusted roots have serial 0
        out.append(Finding("serial_not_positive",
                           f"'{who}' has a serial number that is not positive"))
    aki = _ext(cert, x509.AuthorityKeyIdentifier)
    ski = _ext(cert, x509.SubjectKeyIdentifier)
    if not _self_issued(cert) and (aki is None or aki.value.key_identifier is None):
        out.append(Finding("missing_aki", f"'{who}' has no authority key identifier"))
    if is_ca and ski is None:
        out.append(Finding("missing_ski", f"CA certificate '{who}' has no subject key "
                                          "identifier"))
    if is_anchor and _self_issued(cert) and aki is not None:
        value = aki.value
        if value.authority_cert_issuer is not None or \
                value.authority_cert_serial_number is not None:
            out.append(Finding("root_aki_malformed", f"root '{who}' has an authority key "
                                                     "identifier naming an issuer or serial"))
        elif ski is not None and value.key_identifier not in (None, ski.value.digest):
            out.append(Finding("root_aki_malformed", f"root '{who}' has an authority key "
                                                     "identifier that differs from its own"))
    for cls, code, what in ((x509.NameConstraints, "noncritical_name_constraints",
                             "name constraints"),
                            (x509.PolicyConstraints, "noncritical_policy_constraints",
                             "policy constraints")):
        ext = _ext(cert, cls)
        if ext is not None and not ext.critical:
            out.append(Finding(code, f"'{who}' has {what} not marked critical"))
    out.extend(_key(cert))
    return out


def _key(cert: x509.Certificate) -> list[Finding]:
    key = cert.public_key()
    who = _name(cert)
    if isinstance(key, dsa.DSAPublicKey):
        return [Finding("forbidden_key_type", f"'{who}' has a DSA key, which TLS clients "
                                              "no longer accept")]
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in _CURVES:
        return [Finding("forbidden_key_type", f"'{who}' uses the EC curve {key.curve.name}; "
                                              "only P-256, P-384 and P-521 are accepted")]
    if isinstance(key, rsa.RSAPublicKey) and key.key_size % 8:
        return [Finding("rsa_modulus_not_byte_aligned",
                        f"'{who}' has a {key.key_size}-bit RSA key; the size must be a "
                        "multiple of 8")]
    return []


def _canonical_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _leaf(cert: x509.Certificate) -> list[Finding]:
    out: list[Finding] = []
    who = _name(cert)
    bc = _ext(cert, x509.BasicConstraints)
    if bc is not None and bc.value.ca:
        out.append(Finding("ca_as_leaf", f"'{who}' is a CA certificate, not an end-entity "
                                         "certificate"))
    eku = _ext(cert, x509.ExtendedKeyUsage)
    if eku is None:
        out.append(Finding("leaf_without_eku", f"'{who}' has no extended key usage"))
    elif ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in list(eku.value):
        out.append(Finding("leaf_any_eku", f"'{who}' allows any extended key usage"))
    san = _ext(cert, x509.SubjectAlternativeName)
    dns = san.value.get_values_for_type(x509.DNSName) if san else []
    ips = [str(ip) for ip in san.value.get_values_for_type(x509.IPAddress)] if san else []
    for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        cn = attr.value if isinstance(attr.value, str) else attr.value.decode("latin-1")
        if cn in dns:
            continue
        if _canonical_ip(cn) is not None and cn in ips:
            continue
        out.append(Finding("cn_not_in_san", f"the Common Name {cn!r} of '{who}' is not one "
                                            "of its subject alternative names"))
    for name in dns:
        if name.startswith("*.") and "." not in name[2:]:
            out.append(Finding("wildcard_too_broad", f"'{who}' has the wildcard {name!r} "
                                                     "that covers a whole top-level domain"))
    return out


def path_findings(path: list[x509.Certificate]) -> list[Finding]:
    """Every rule the validated ``path`` (leaf first, trust anchor last) breaks."""
    out: list[Finding] = []
    for i, cert in enumerate(path):
        try:
            cert.extensions  # noqa: B018 — parsing them is the check
        except Exception:  # DuplicateExtension, malformed DER of one extension
            return [Finding("malformed_extensions",
                            f"'{_name(cert)}' has extensions that cannot be parsed")]
        is_leaf = i == 0 and len(path) > 1
        is_anchor = i == len(path) - 1
        out.extend(_structure(cert, is_ca=not is_leaf, is_anchor=is_anchor))
        if is_leaf:
            out.extend(_leaf(cert))
        if is_anchor and len(path) > 1 and _ext(cert, x509.ExtendedKeyUsage) is not None:
            out.append(Finding("root_with_eku", f"root '{_name(cert)}' carries an extended "
                                                "key usage"))
    return out
