"""FIPS mode in the CA: SHA-1 and RSA < 2048 refused at submission, issuance and CA setup;
nothing stored on refusal. SHA-1 material is made by openssl (cryptography no longer signs
SHA-1)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from certyard import ca, policy
from certyard.cluster import init_cluster
from certyard.db.models.ca import CaCertificate, CaIssued, CaRequest
from certyard.errors import WeakAlgorithm
from tests.ca.helpers import make_csr, rsa_key, setup_ca
from tests.support.modes import fips_ready, fips_ready_cli


def _openssl(*args: str) -> bytes:
    return subprocess.run(["openssl", *args], capture_output=True, check=True).stdout


def _csr(cn: str = "old.example.com", digest: str = "-sha224") -> bytes:
    return _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null",
                    digest, "-subj", f"/CN={cn}", "-addext", f"subjectAltName=DNS:{cn}")


def _sha1_ca(tmp: Path, bits: int = 2048, digest: str = "-sha1") -> tuple[bytes, bytes]:
    key = tmp / f"ca-{bits}{digest}.key"
    cert = _openssl("req", "-x509", "-newkey", f"rsa:{bits}", "-nodes", "-keyout", str(key),
                    digest, "-days", "365", "-subj", f"/CN=Old CA {bits}{digest}",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return cert, key.read_bytes()


def _count(ctx, model) -> int:  # type: ignore[no-untyped-def]
    with ctx.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_sha1_csr_refused_with_its_reason(ctx) -> None:  # type: ignore[no-untyped-def]
    """SHA-1 is refused in any mode (cryptography cannot verify it); the error says why."""
    setup_ca(ctx)
    fips_ready(ctx)
    policy.enable_fips(ctx)
    with pytest.raises(WeakAlgorithm, match=r"signed with SHA1.*SHA-256 or stronger"):
        ca.submit_request(ctx, _csr(digest="-sha1"), profile="server")
    with pytest.raises(WeakAlgorithm, match="SHA1"):
        ca.issue_certificate_for_csr(ctx, _csr("d.example.com", "-sha1"), profile="server")
    assert _count(ctx, CaRequest) == 0 and _count(ctx, CaIssued) == 0


def test_weak_hash_csr_refused_in_fips_mode_only(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    pem = _csr()
    assert x509.load_pem_x509_csr(pem).signature_hash_algorithm.name == "sha224"  # type: ignore[union-attr]
    pending = ca.submit_request(ctx, pem, profile="server")  # FIPS off: accepted
    assert pending.state == "pending"
    fips_ready(ctx)
    policy.enable_fips(ctx)
    before = (_count(ctx, CaRequest), _count(ctx, CaIssued))
    with pytest.raises(WeakAlgorithm, match=r"FIPS mode is on.*SHA224.*SHA-256"):
        ca.submit_request(ctx, _csr("other.example.com"), profile="server")
    # Queued before FIPS mode was enabled: approval is refused, the request stays pending.
    with pytest.raises(WeakAlgorithm, match="SHA224"):
        ca.issue_request(ctx, pending.id)
    assert ca.show_request(ctx, pending.id).state == "pending"
    with pytest.raises(WeakAlgorithm, match="SHA224"):
        ca.issue_certificate_for_csr(ctx, _csr("direct.example.com"), profile="server")
    assert (_count(ctx, CaRequest), _count(ctx, CaIssued)) == before
    # An approved request still goes through.
    _, good = make_csr("good.example.com")
    view = ca.issue_certificate_for_csr(ctx, good.public_bytes(Encoding.PEM), profile="server")
    issued = x509.load_pem_x509_certificate(view.pem.encode())
    assert issued.signature_hash_algorithm.name in ("sha256", "sha384")  # type: ignore[union-attr]


def test_rsa_1024_csr_refused_in_fips_mode(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    fips_ready(ctx)
    policy.enable_fips(ctx)
    _, csr = make_csr("weak.example.com", key=rsa_key(1024))
    with pytest.raises(WeakAlgorithm, match="RSA-1024"):
        ca.submit_request(ctx, csr.public_bytes(Encoding.PEM), profile="server")
    with pytest.raises(WeakAlgorithm, match="RSA-1024"):
        ca.issue_certificate_for_csr(ctx, csr.public_bytes(Encoding.PEM), profile="server")
    assert _count(ctx, CaRequest) == 0 and _count(ctx, CaIssued) == 0


def test_init_refuses_non_approved_choices(ctx) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    fips_ready(ctx)
    policy.enable_fips(ctx)
    with pytest.raises(WeakAlgorithm, match="FIPS mode is on: a RSA-1024 CA key"):
        ca.init_ca(ctx, key_type="RSA", key_size=1024)
    with pytest.raises(WeakAlgorithm, match="FIPS mode is on: a EC-192"):
        ca.init_ca(ctx, key_type="EC", key_size=192)
    with pytest.raises(WeakAlgorithm, match="not FIPS-approved"):
        ca.init_ca(ctx, key_type="ED25519", key_size=256)
    assert _count(ctx, CaCertificate) == 0
    info = ca.init_ca(ctx, key_type="EC", key_size=256)  # approved
    assert info.created


def test_import_refuses_sha1_and_small_rsa_ca(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    fips_ready(ctx)
    policy.enable_fips(ctx)
    cert, key = _sha1_ca(tmp_path)
    with pytest.raises(WeakAlgorithm, match=r"CA certificate 'CN=Old CA.*SHA1"):
        ca.import_ca(ctx, cert, key)
    cert, key = _sha1_ca(tmp_path, bits=1024, digest="-sha256")
    with pytest.raises(WeakAlgorithm, match="RSA-1024"):
        ca.import_ca(ctx, cert, key)
    assert _count(ctx, CaCertificate) == 0
    cert, key = _sha1_ca(tmp_path, bits=2048, digest="-sha256")
    assert ca.import_ca(ctx, cert, key).created


def test_ca_imported_before_fips_cannot_issue(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    cert, key = _sha1_ca(tmp_path)
    ca.import_ca(ctx, cert, key)  # FIPS off: allowed
    _, csr = make_csr("svc.example.com")
    ca.issue_certificate_for_csr(ctx, csr.public_bytes(Encoding.PEM), profile="server")
    fips_ready(ctx)
    policy.enable_fips(ctx)
    _, csr2 = make_csr("svc2.example.com")
    with pytest.raises(WeakAlgorithm, match=r"CA certificate.*SHA1"):
        ca.issue_certificate_for_csr(ctx, csr2.public_bytes(Encoding.PEM), profile="server")
    assert _count(ctx, CaIssued) == 1


def test_cli_submit_sha1_in_fips_mode(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("ca", "init", "--key-type", "EC", "--key-size", "256").code == 0
    fips_ready_cli(cli, tmp_path)
    assert cli("fips", "enable").code == 0
    r = cli("ca", "submit", "-", "--profile", "server", stdin=_csr())
    assert r.code != 0 and "FIPS mode is on" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert cli("ca", "requests", "--json").json()["items"] == []
