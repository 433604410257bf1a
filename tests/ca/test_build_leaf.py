"""ca.build.build_leaf makes its builder in one step with the fixed extensions encoded once;
the certificate must be byte for byte what the step-by-step ``CertificateBuilder`` makes
(the to-be-signed part: ECDSA signatures differ each time), for every profile and key type,
with and without a subject, with CRL shards, and must refuse what the builder refuses."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from certyard.ca.build import Urls, authority_key_identifier, build_leaf
from certyard.ca.profiles import PROFILES, Profile
from certyard.ca.signing import sign_certificate

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)


def _ca() -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Leaf Test CA")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _step_by_step(*, profile: Profile, subject: x509.Name, sans: list[x509.GeneralName],
                  public_key: Any, issuer: x509.Certificate, aki: Any, signer: Any,
                  serial: int, not_before: dt.datetime, not_after: dt.datetime,
                  urls: Urls) -> x509.Certificate:
    """The builder as the documentation shows it, one extension at a time."""
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
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=len(subject) == 0)
    if profile.ocsp_nocheck:
        b = b.add_extension(x509.OCSPNoCheck(), critical=False)
    b = b.add_extension(urls.cdp, critical=False).add_extension(urls.aia, critical=False)
    return sign_certificate(b, signer)


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("kind", ["ec", "rsa"])
@pytest.mark.parametrize("shape", ["subject", "empty-subject", "no-san"])
def test_the_same_bytes_as_the_step_by_step_builder(profile: str, kind: str,
                                                    shape: str) -> None:
    ca_key, ca_cert = _ca()
    leaf = (ec.generate_private_key(ec.SECP384R1()) if kind == "ec"
            else rsa.generate_private_key(public_exponent=65537, key_size=2048))
    subject = x509.Name([] if shape == "empty-subject" else
                        [x509.NameAttribute(NameOID.COMMON_NAME, "leaf.example.com"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example")])
    sans: list[x509.GeneralName] = [] if shape == "no-san" else [
        x509.DNSName("leaf.example.com"), x509.IPAddress(ipaddress.ip_address("192.0.2.7"))]
    for shard in (None, 3):
        urls = Urls("http://ca.example.com", 1, shard)
        args = dict(profile=PROFILES[profile], subject=subject, sans=sans,
                    public_key=leaf.public_key(), issuer=ca_cert,
                    aki=authority_key_identifier(ca_cert), signer=ca_key,
                    serial=0x1234567890ABCDEF, not_before=NOW,
                    not_after=NOW + dt.timedelta(days=90), urls=urls)
        fast = build_leaf(**args)  # type: ignore[arg-type]
        slow = _step_by_step(**args)  # type: ignore[arg-type]
        assert fast.tbs_certificate_bytes == slow.tbs_certificate_bytes
        assert list(fast.extensions) == list(slow.extensions)  # parsed back as real types
        fast.verify_directly_issued_by(ca_cert)


def test_it_refuses_what_the_builder_refuses() -> None:
    ca_key, ca_cert = _ca()
    leaf = ec.generate_private_key(ec.SECP256R1()).public_key()
    base = dict(profile=PROFILES["server"], subject=x509.Name([]),
                sans=[x509.DNSName("a.example.com")], public_key=leaf, issuer=ca_cert,
                aki=authority_key_identifier(ca_cert), signer=ca_key,
                not_before=NOW, not_after=NOW + dt.timedelta(days=1),
                urls=Urls("http://ca.example.com", 1))
    for serial in (0, -1, 1 << 159):
        with pytest.raises(ValueError):
            build_leaf(**base, serial=serial)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        build_leaf(**{**base, "not_after": NOW - dt.timedelta(days=1)},  # type: ignore[arg-type]
                   serial=5)
    with pytest.raises(ValueError):
        build_leaf(**{**base, "not_before": dt.datetime(1949, 12, 31,  # type: ignore[arg-type]
                                                         tzinfo=dt.timezone.utc)}, serial=5)
