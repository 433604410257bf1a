"""Pure certificate, CRL and OCSP building for the CA (no database): RFC 5280 shaped.

``signer`` is a ``ca.signing.Signer`` (or a ``cryptography`` private key).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from certyard.ca.profiles import Profile, key_kind
from certyard.ca.signing import sign_certificate
from certyard.ca.signing import signing_hash as _signing_hash

__all__ = ["Urls", "build_ca_certificate", "build_leaf", "signing_hash"]


class Urls:
    """Where a certificate issued by CA ``issuer_id`` points relying parties; the
    extensions are built once and shared by every certificate signed in a batch."""

    def __init__(self, base: str, issuer_id: int, shard: int | None = None) -> None:
        self.ocsp = f"{base}/ocsp"
        self.ca_issuers = f"{base}/ca/{issuer_id}.crt"
        self.crl = crl_url(base, issuer_id, shard)
        self.cdp = x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(self.crl)], relative_name=None,
            reasons=None, crl_issuer=None)])
        self.aia = x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                   x509.UniformResourceIdentifier(self.ocsp)),
            x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                   x509.UniformResourceIdentifier(self.ca_issuers)),
        ])


def crl_url(base: str, issuer_id: int, shard: int | None = None) -> str:
    """The CRL distribution point: the CA's full CRL, or one of its partitions."""
    return f"{base}/ca/{issuer_id}.crl" if shard is None else f"{base}/ca/{issuer_id}/crl/{shard}"


def signing_hash(key: Any) -> hashes.SHA256 | hashes.SHA384:
    """SHA-384 for P-384/P-521 keys (matching strength), SHA-256 otherwise; ``key`` is a
    ``cryptography`` private key or a ``ca.signing.Signer``."""
    return _signing_hash(key)  # type: ignore[no-any-return]


def _pointers(builder: x509.CertificateBuilder, urls: Urls) -> x509.CertificateBuilder:
    return (builder.add_extension(urls.cdp, critical=False)
            .add_extension(urls.aia, critical=False))


def build_ca_certificate(
    *, subject: x509.Name, public_key: Any, issuer: x509.Certificate | None, signer: Any,
    serial: int, not_before: dt.datetime, not_after: dt.datetime, path_length: int | None,
    urls: Urls | None,
) -> x509.Certificate:
    """A root (issuer None: self-signed, no AIA/CDP) or an intermediate signed by issuer."""
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(issuer.subject if issuer else subject)
         .public_key(public_key).serial_number(serial)
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
         .add_extension(x509.KeyUsage(
             digital_signature=True, content_commitment=False, key_encipherment=False,
             data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
             encipher_only=False, decipher_only=False), critical=True)
         .add_extension(ski, critical=False))
    if issuer is not None:
        b = b.add_extension(_aki(issuer), critical=False)
        if urls is not None:
            b = _pointers(b, urls)
    return sign_certificate(b, signer)


def _aki(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer.public_key())  # type: ignore[arg-type]


def build_leaf(
    *, profile: Profile, subject: x509.Name, sans: list[x509.GeneralName], public_key: Any,
    issuer: x509.Certificate, aki: x509.AuthorityKeyIdentifier, signer: Any, serial: int,
    not_before: dt.datetime, not_after: dt.datetime, urls: Urls,
) -> x509.Certificate:
    """A certificate whose every extension comes from the profile; from the CSR only the
    public key, the allowed subject and the allowed SANs.

    Extensions, in this order: basicConstraints and keyUsage (critical), subjectKeyIdentifier,
    authorityKeyIdentifier, extKeyUsage, subjectAltName (critical when the subject is empty,
    RFC 5280 4.2.1.6), ocsp-nocheck (OCSP signers), CRL distribution point and authority
    information access. The ones that are the same for every certificate of a profile,
    key type and CA are encoded once (:func:`_fixed`) and the builder is made in one step,
    not one copy per extension: issuance signs thousands a second (issue 17), and the
    bytes are those of the step-by-step builder (``tests/ca/test_build_leaf.py``)."""
    if not 0 < serial < 1 << 159:
        raise ValueError("the serial number must be positive and below 2^159")
    if not_before > not_after:
        raise ValueError("notBefore must not be after notAfter")
    head = _fixed_head(profile, key_kind(public_key))
    extensions = [head[0], head[1],
                  x509.Extension(ExtensionOID.SUBJECT_KEY_IDENTIFIER, False,
                                 x509.SubjectKeyIdentifier.from_public_key(public_key)),
                  _fixed(aki, False)]
    if head[2] is not None:
        extensions.append(head[2])
    if sans:
        extensions.append(x509.Extension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
                                         len(subject) == 0, x509.SubjectAlternativeName(sans)))
    if head[3] is not None:
        extensions.append(head[3])
    extensions += (_fixed(urls.cdp, False), _fixed(urls.aia, False))
    builder = x509.CertificateBuilder(
        issuer_name=issuer.subject, subject_name=subject, public_key=public_key,
        serial_number=serial, not_valid_before=_naive_utc(not_before),
        not_valid_after=_naive_utc(not_after), extensions=extensions)
    return sign_certificate(builder, signer)


def _naive_utc(when: dt.datetime) -> dt.datetime:
    """As ``CertificateBuilder.not_valid_before/after`` keep a time: naive UTC."""
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if when.year < 1950:
        raise ValueError("certificate times must be on or after 1950-01-01")
    return when


_Fixed = tuple[x509.Extension[Any], x509.Extension[Any], x509.Extension[Any] | None,
               x509.Extension[Any] | None]
_HEADS: dict[tuple[Profile, str], _Fixed] = {}
_ENCODED: dict[tuple[int, bool], tuple[Any, x509.Extension[Any]]] = {}


def _fixed_head(profile: Profile, kind: str) -> _Fixed:
    """basicConstraints, keyUsage, extKeyUsage (or None), ocsp-nocheck (or None) of a
    profile for a key type, encoded once."""
    head = _HEADS.get((profile, kind))
    if head is None:
        head = _HEADS[(profile, kind)] = (
            _encode(x509.BasicConstraints(ca=profile.ca, path_length=0 if profile.ca else None),
                    True),
            _encode(profile.key_usage_for(kind), True),
            _encode(x509.ExtendedKeyUsage(list(profile.eku)), False) if profile.eku else None,
            _encode(x509.OCSPNoCheck(), False) if profile.ocsp_nocheck else None)
    return head


def _encode(value: x509.ExtensionType, critical: bool) -> x509.Extension[Any]:
    """The extension with its value encoded now by ``cryptography`` (the same bytes the
    builder would write), carried as an UnrecognizedExtension of the same OID."""
    return x509.Extension(value.oid, critical,
                          x509.UnrecognizedExtension(value.oid, value.public_bytes()))


def _fixed(value: x509.ExtensionType, critical: bool) -> x509.Extension[Any]:
    """:func:`_encode` for a value that lives as long as its CA (AKI, the URLs): kept by
    identity while the object is alive."""
    kept = _ENCODED.get((id(value), critical))
    if kept is None or kept[0] is not value:
        if len(_ENCODED) > 4096:  # many CAs, shards or URL changes in one process
            _ENCODED.clear()
        kept = _ENCODED[(id(value), critical)] = (value, _encode(value, critical))
    return kept[1]


def authority_key_identifier(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    return _aki(issuer)
