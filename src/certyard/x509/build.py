"""Building CSRs and self-signed certificates with cryptography's builders."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certyard.x509.keys import hash_algorithm
from certyard.x509.names import SubjectFields

__all__ = ["build_csr", "build_self_signed", "random_serial", "seed_key_usage"]


def _signing_hash(name: str) -> Any:
    """The hash object for signing; cryptography's stubs list only the SHA-2/3 classes."""
    return hash_algorithm(name)


def random_serial() -> int:
    """Positive, 127 bits of randomness, never more than 20 octets (RFC 5280 4.1.2.2)."""
    return secrets.randbits(127) | (1 << 126)


def seed_key_usage(key: CertificateIssuerPrivateKeyTypes) -> x509.KeyUsage:
    """Digital Signature, Key Encipherment, Data Encipherment for RSA (seed); EC keys
    cannot encipher, so Digital Signature and Key Agreement."""
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=is_rsa,
        data_encipherment=is_rsa,
        key_agreement=isinstance(key, ec.EllipticCurvePrivateKey),
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


_SERVER_CLIENT = x509.ExtendedKeyUsage(
    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
)


def _name(cn: str, org: str | None = None, subject: SubjectFields | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if subject is not None:
        attrs.extend(subject.attributes())
    elif org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def build_csr(
    key: CertificateIssuerPrivateKeyTypes,
    *,
    common_name: str,
    sans: list[x509.GeneralName],
    hash_name: str,
    organization: str | None = None,
    subject: SubjectFields | None = None,
) -> x509.CertificateSigningRequest:
    """A PKCS#10 request carrying, via ExtensionRequest, the seed's extensions."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        _name(common_name, organization, subject))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    builder = builder.add_extension(seed_key_usage(key), critical=True)
    builder = builder.add_extension(_SERVER_CLIENT, critical=False)
    return builder.sign(key, _signing_hash(hash_name))


def build_self_signed(
    key: CertificateIssuerPrivateKeyTypes,
    *,
    common_name: str,
    sans: list[x509.GeneralName],
    hash_name: str,
    now: dt.datetime,
    days: int = 365 * 5,
    organization: str | None = None,
) -> x509.Certificate:
    """The self-signed identity certificate a node has for a purpose since install.

    It is its own trust anchor, so it is a CA (cA=TRUE) allowed to sign itself; clients
    that pin it in a trust store can then validate it as a root.
    """
    name = _name(common_name, organization)
    pub = key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(pub)
    ku = seed_key_usage(key)
    ku = x509.KeyUsage(
        digital_signature=ku.digital_signature, content_commitment=False,
        key_encipherment=ku.key_encipherment, data_encipherment=ku.data_encipherment,
        key_agreement=ku.key_agreement, key_cert_sign=True, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pub)
        .serial_number(random_serial())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(_SERVER_CLIENT, critical=False)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(key, _signing_hash(hash_name))
