"""x509/build.py: the seed's CSR and self-signed identity certificate, checked by openssl."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from certyard.errors import InvalidInput
from certyard.x509 import build_csr, build_self_signed, random_serial
from certyard.x509.build import seed_key_usage

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
SANS = [x509.DNSName("node1.example.com"),
        x509.IPAddress(ipaddress.ip_address("192.0.2.7"))]


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def test_random_serial_is_positive_and_at_most_20_octets() -> None:
    serials = {random_serial() for _ in range(200)}
    assert len(serials) == 200
    for s in serials:
        assert 0 < s < 1 << 127
        assert s.bit_length() == 127  # the top bit is set: no short serials
        assert len(s.to_bytes(20, "big").lstrip(b"\0")) <= 20


def test_seed_key_usage_rsa_enciphers_ec_agrees(rsa_key: rsa.RSAPrivateKey,
                                                 ec_key: ec.EllipticCurvePrivateKey) -> None:
    r = seed_key_usage(rsa_key)
    assert (r.digital_signature, r.key_encipherment, r.data_encipherment, r.key_agreement) == \
        (True, True, True, False)
    e = seed_key_usage(ec_key)
    assert (e.digital_signature, e.key_encipherment, e.data_encipherment, e.key_agreement) == \
        (True, False, False, True)


def test_csr_carries_the_seed_extensions_and_openssl_verifies_it(
        tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    csr = build_csr(rsa_key, common_name="node1.example.com", sans=SANS, hash_name="sha384",
                    organization="Example")
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == "O=Example,CN=node1.example.com"
    assert csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value == \
        x509.SubjectAlternativeName(SANS)
    assert csr.extensions.get_extension_for_class(x509.KeyUsage).critical
    eku = csr.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert [o.dotted_string for o in eku] == ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]
    path = tmp_path / "req.pem"
    path.write_bytes(csr.public_bytes(Encoding.PEM))
    out = subprocess.run(["openssl", "req", "-in", str(path), "-verify", "-noout", "-text"],
                         capture_output=True, text=True, check=True)
    assert "verify OK" in out.stdout + out.stderr
    assert "sha384WithRSAEncryption" in out.stdout


def test_csr_without_sans_has_no_empty_san_extension(ec_key: ec.EllipticCurvePrivateKey) -> None:
    csr = build_csr(ec_key, common_name="bare", sans=[], hash_name="SHA256")
    with pytest.raises(x509.ExtensionNotFound):
        csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_unknown_hash_is_a_clear_error(ec_key: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(InvalidInput, match="unknown hash algorithm 'MD5'"):
        build_csr(ec_key, common_name="x", sans=[], hash_name="MD5")


@pytest.mark.parametrize("which", ["rsa", "ec"])
def test_self_signed_is_its_own_trust_anchor(tmp_path: Path, which: str,
                                             rsa_key: rsa.RSAPrivateKey,
                                             ec_key: ec.EllipticCurvePrivateKey) -> None:
    key = rsa_key if which == "rsa" else ec_key
    cert = build_self_signed(key, common_name="node1.example.com", sans=SANS,
                             hash_name="SHA256", now=NOW, days=30)
    assert cert.not_valid_before_utc == NOW - dt.timedelta(minutes=5)
    assert cert.not_valid_after_utc == NOW + dt.timedelta(days=30)
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and not ku.crl_sign
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    path = tmp_path / "self.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    # Pinned as its own trust anchor, openssl accepts it for TLS server use at its time.
    out = subprocess.run(["openssl", "verify", "-CAfile", str(path), "-purpose", "sslserver",
                          "-attime", str(int(NOW.timestamp())), str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().endswith("OK")
