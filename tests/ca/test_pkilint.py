"""Every profile (RSA and EC subject keys, RSA and EC CAs) and the CA certificates pass
pkilint's RFC 5280 certificate linter with no error-level finding, and openssl verify."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certyard import ca
from certyard.cluster import init_cluster
from tests.ca.helpers import make_csr, rsa_key
from tests.support.openssl_ca import openssl

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane


def _lint(path: Path) -> str:
    out = subprocess.run(["lint_pkix_cert", "lint", "-s", "ERROR", str(path)],
                         capture_output=True, text=True)
    return (out.stdout + out.stderr).strip()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("ca_key", [("EC", 256), ("RSA", 3072)], ids=["ec-ca", "rsa-ca"])
def test_every_profile_is_lint_clean(ctx, tmp_path: Path, ca_key) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx, key_type=ca_key[0], key_size=ca_key[1])
    chain = x509.load_pem_x509_certificates(ca.export_ca(ctx, chain=True))
    root, issuing = tmp_path / "root.pem", tmp_path / "issuing.pem"
    root.write_bytes(chain[-1].public_bytes(Encoding.PEM))
    issuing.write_bytes(chain[0].public_bytes(Encoding.PEM))
    for cert_path in (root, issuing):
        assert _lint(cert_path) == "", cert_path.name
    for profile in ca.PROFILES:
        for key in (None, rsa_key()):
            cn = "svc.example.com" if profile != "client" else "alice"
            sans = [cn] if profile != "client" else []
            _, csr = make_csr(cn, sans=sans, key=key)
            issued = ca.issue_certificate_for_csr(ctx, csr.public_bytes(Encoding.PEM),
                                                  profile=profile)
            leaf = tmp_path / f"{profile}-{'rsa' if key else 'ec'}.pem"
            leaf.write_text(issued.pem)
            findings = _lint(leaf)
            assert findings == "", f"{profile}: {findings}"
            out = openssl("verify", "-CAfile", str(root), "-untrusted",
                          str(issuing), str(leaf))
            assert b": OK" in out
            assert int(issued.serial, 16) >= 2 ** 63  # at least 64 bits, positive


def test_unknown_csr_extensions_are_not_copied(ctx) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx, key_type="EC", key_size=256)
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
    _, csr = make_csr("svc.example.com", extensions=[
        (odd, False), (x509.BasicConstraints(ca=True, path_length=None), True)])
    issued = ca.issue_certificate_for_csr(ctx, csr.public_bytes(Encoding.PEM),
                                          profile="server")
    cert = x509.load_pem_x509_certificate(issued.pem.encode())
    oids = {e.oid.dotted_string for e in cert.extensions}
    assert "1.3.6.1.4.1.99999.1" not in oids
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
