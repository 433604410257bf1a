"""One CA on a throwaway SQLite store for the whole fuzz package, plus real samples of every
kind of uploaded material (the seeds the mutations start from).

Module-scoped on purpose: hypothesis runs many examples per test, and the parsers under
test do not depend on the database backend (the OCSP responder reads it, the crash and
restart tests cover PostgreSQL)."""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from certyard import ca, cluster
from certyard.clock import SystemClock
from certyard.config import Settings
from certyard.context import open_context

PASSWORD = "fuzz-backup-password"


@dataclass
class Samples:
    ctx: Any
    leaf: x509.Certificate
    issuer: x509.Certificate
    cert_der: bytes
    cert_pem: bytes
    p7b: bytes
    csr_der: bytes
    csr_pem: bytes
    crl_der: bytes
    ocsp_der: bytes
    trust_list: bytes
    backup: Path


def make_csr(cn: str = "fuzz.example.com") -> x509.CertificateSigningRequest:
    key = ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
            .sign(key, hashes.SHA256()))


@pytest.fixture(scope="package")
def samples() -> Samples:
    from certyard.backup import create_backup
    from certyard.cluster.trustlist import publish_trust_list, trust_lists_after

    home = Path(tempfile.mkdtemp(prefix="certyard-fuzz-"))
    env = {"CERTYARD_HOME": str(home),
           "CERTYARD_MASTER_KEY": base64.b64encode(b"f" * 32).decode()}
    ctx = open_context(Settings.from_env(env), clock=SystemClock())
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx, common_name="Fuzz CA", key_type="EC", key_size=256)
    csr = make_csr()
    view = ca.issue_certificate_for_csr(ctx, csr.public_bytes(Encoding.PEM), profile="server")
    leaf = x509.load_pem_x509_certificate(view.pem.encode())
    chain = x509.load_pem_x509_certificates(ca.export_ca(ctx, chain=True))
    issuer = next(c for c in chain if c.subject == leaf.issuer)
    ca.revoke_certificate(ctx, view.serial, reason="superseded")
    other = ca.issue_certificate_for_csr(ctx, make_csr("b.example.com").public_bytes(
        Encoding.PEM), profile="server")
    req = (ocsp.OCSPRequestBuilder()
           .add_certificate(x509.load_pem_x509_certificate(other.pem.encode()), issuer,
                            hashes.SHA1())
           .add_extension(x509.OCSPNonce(b"n" * 16), critical=False).build())
    publish_trust_list(ctx, force=True)
    backup = home / "fuzz.cybk"
    create_backup(ctx, backup, password=PASSWORD)
    return Samples(
        ctx=ctx, leaf=leaf, issuer=issuer, cert_der=leaf.public_bytes(Encoding.DER),
        cert_pem=leaf.public_bytes(Encoding.PEM),
        p7b=pkcs7.serialize_certificates([leaf, *chain], Encoding.DER),
        csr_der=csr.public_bytes(Encoding.DER), csr_pem=csr.public_bytes(Encoding.PEM),
        crl_der=ca.current_crl(ctx), ocsp_der=req.public_bytes(Encoding.DER),
        trust_list=trust_lists_after(ctx, 0)[-1], backup=backup)
