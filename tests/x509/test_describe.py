"""x509/describe.py: the facts the store indexes and the details window, against openssl."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from certyard.x509 import (
    build_csr,
    build_self_signed,
    certificate_details,
    certificate_facts,
    csr_facts,
)
from certyard.x509.describe import common_name, is_self_signed

NOW = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)


def _openssl_fingerprint(tmp_path: Path, cert: x509.Certificate, algo: str) -> str:
    path = tmp_path / "c.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    out = subprocess.run(["openssl", "x509", "-in", str(path), "-noout", "-fingerprint",
                          f"-{algo}"], capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1].replace(":", "").lower()


def test_facts_of_a_self_signed_certificate(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build_self_signed(key, common_name="n1.example.com",
                             sans=[x509.DNSName("n1.example.com")], hash_name="SHA384",
                             now=NOW)
    facts = certificate_facts(cert)
    assert facts.common_name == "n1.example.com"
    assert facts.self_signed
    assert (facts.key_type, facts.key_size) == ("EC", 256)
    assert facts.signature_hash == "SHA384"
    assert facts.serial == format(cert.serial_number, "x")
    assert facts.sans == ["DNS:n1.example.com"]
    assert facts.fingerprint_sha256 == _openssl_fingerprint(tmp_path, cert, "sha256")
    details = certificate_details(cert)
    assert details["sha1"] == _openssl_fingerprint(tmp_path, cert, "sha1")
    assert details["basic_constraints"] == {"ca": True, "path_length": 0}
    assert details["extended_key_usage"] == ["serverAuth", "clientAuth"]
    assert details["crl_distribution_points"] is None
    assert details["extensions"]["keyUsage"]["critical"] is True


def test_same_name_other_key_is_not_self_signed() -> None:
    k1, k2 = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "twin")])
    forged = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
              .public_key(k1.public_key()).serial_number(7)
              .not_valid_before(NOW).not_valid_after(NOW + dt.timedelta(days=1))
              .sign(k2, hashes.SHA256()))
    assert not is_self_signed(forged)
    assert not certificate_facts(forged).self_signed


def test_csr_facts_have_no_issuer_or_dates() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    csr = build_csr(key, common_name="req.example.com",
                    sans=[x509.DNSName("req.example.com")], hash_name="SHA256")
    facts = csr_facts(csr)
    assert (facts.issuer, facts.serial, facts.not_before, facts.not_after) == \
        (None, None, None, None)
    assert (facts.key_type, facts.key_size, facts.self_signed) == ("EC", 384, False)


def test_common_name_falls_back_to_the_whole_subject() -> None:
    assert common_name(x509.Name([])) == "(empty subject)"
    org_only = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme")])
    assert common_name(org_only) == "O=Acme"
