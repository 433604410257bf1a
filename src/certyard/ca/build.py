"""Pure certificate, CRL and OCSP building for the CA (no database): RFC 5280 shaped.

``signer`` is a ``ca.signing.Signer`` (or a ``cryptography`` private key).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID

from certyard.ca.profiles import Profile
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
    public key, the allowed subject and the allowed SANs."""
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.subject)
         .public_key(public_key).serial_number(serial)
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=profile.ca, path_length=0 if profile.ca
                                              else None), critical=True)
         .add_extension(profile.key_usage(public_key), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
         .add_extension(aki, critical=False))
    if profile.eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(profile.eku)), critical=False)
    if sans:
        # RFC 5280 4.2.1.6: critical when the subject is empty.
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=len(subject) == 0)
    if profile.ocsp_nocheck:
        b = b.add_extension(x509.OCSPNoCheck(), critical=False)
    b = _pointers(b, urls)
    return sign_certificate(b, signer)


def authority_key_identifier(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    return _aki(issuer)
