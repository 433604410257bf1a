"""The fast CRL encoder writes the CRL ``cryptography``'s builder writes, byte for byte in
the TBS, and ``openssl crl -verify`` accepts it: RSA and EC, reasons, dates in both Time
forms, serials with the high bit set, no entries."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from certyard.ca.crl import REASONS, authority_key_identifier_for, generate_crl
from certyard.ca.signing.base import hash_for

UTC = dt.timezone.utc


def _issuer(key):  # type: ignore[no-untyped-def]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Encode CA")])
    now = dt.datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hash_for(key.public_key())))


def _reference(issuer, key, number, now, nxt, revoked, idp=None):  # type: ignore[no-untyped-def]
    entries = []
    for serial_hex, when, reason in revoked:
        if isinstance(when, str):
            when = dt.datetime.fromisoformat(when)
        flag = REASONS[reason or "unspecified"]
        exts = [] if flag == x509.ReasonFlags.unspecified else [
            x509.Extension(x509.CRLReason.oid, False, x509.CRLReason(flag))]
        entries.append(x509.RevokedCertificateBuilder(int(serial_hex, 16), when, exts).build())
    b = (x509.CertificateRevocationListBuilder(issuer.subject, now, nxt, [], entries)
         .add_extension(x509.CRLNumber(number), critical=False)
         .add_extension(authority_key_identifier_for(issuer), critical=False))
    if idp is not None:
        b = b.add_extension(idp, critical=True)
    return b.sign(key, hash_for(key.public_key()))


@pytest.mark.parametrize("kind", ["ec", "rsa"])
@pytest.mark.parametrize("count", [0, 1, 300])
def test_same_crl_as_the_builder_and_openssl_verifies(kind: str, count: int,
                                                      tmp_path: Path) -> None:
    key = (ec.generate_private_key(ec.SECP384R1()) if kind == "ec"
           else rsa.generate_private_key(public_exponent=65537, key_size=2048))
    issuer = _issuer(key)
    rng = random.Random(count)
    now = dt.datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)
    reasons = [None, *REASONS]
    revoked: list[tuple[str, dt.datetime | str, str | None]] = []
    for i in range(count):
        serial = rng.getrandbits(rng.choice([8, 63, 64, 159, 160])) | 1
        when: dt.datetime | str = now - dt.timedelta(seconds=rng.randrange(10**8))
        if i % 7 == 3:
            when = dt.datetime(2051, 1, 2, 3, 4, 5, tzinfo=UTC)  # GeneralizedTime
        if i % 11 == 2:
            when = when.replace(microsecond=123456)  # type: ignore[union-attr]
        if i % 5 == 1:  # as SQLite hands it back
            when = when.replace(tzinfo=None).isoformat(sep=" ")  # type: ignore[union-attr]
        revoked.append((format(serial, "x"), when, reasons[i % len(reasons)]))
    idp = x509.IssuingDistributionPoint(
        full_name=[x509.UniformResourceIdentifier("http://ca.example/crl/1/3.crl")],
        relative_name=None, only_contains_user_certs=False, only_contains_ca_certs=False,
        only_some_reasons=None, indirect_crl=False, only_contains_attribute_certs=False)
    for point in (None, idp):
        ours = x509.load_der_x509_crl(generate_crl(
            issuer=issuer, key=key, number=42, now=now, next_update=now + dt.timedelta(days=7),
            revoked=revoked, distribution_point=point))
        ref = _reference(issuer, key, 42, now, now + dt.timedelta(days=7), revoked, point)
        assert ours.tbs_certlist_bytes == ref.tbs_certlist_bytes
        assert ours.is_signature_valid(key.public_key())
        assert len(ours) == count
    crl = tmp_path / "crl.der"
    crl.write_bytes(ours.public_bytes(Encoding.DER))
    ca = tmp_path / "ca.pem"
    ca.write_bytes(issuer.public_bytes(Encoding.PEM))
    out = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", str(crl), "-CAfile",
                          str(ca), "-noout"], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and "verify OK" in out.stderr + out.stdout, out.stderr
