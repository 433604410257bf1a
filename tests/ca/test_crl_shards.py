"""Partitioned CRLs: each certificate's CDP names its shard, each shard CRL carries a
critical Issuing Distribution Point with that URL, a revocation re-signs only its shard,
the full CRL stays complete, and openssl (``crl -verify``, ``verify -crl_check``) agrees."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard import ca
from certyard.db.models.ca import CaCrlShard
from tests.ca.helpers import make_csr, setup_ca, write_pem
from tests.ca.server import public_server


def _cdp(cert: x509.Certificate) -> str:
    point = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0]
    return str(point.full_name[0].value)  # type: ignore[index]


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def test_shards_cdp_idp_and_openssl(ctx: Any, tmp_path: Path) -> None:
    setup_ca(ctx)
    ca.configure_ca(ctx, crl_shards=4, base_url="http://crl.example.com:8080")
    certs = []
    for i in range(12):
        _, csr = make_csr(f"s{i}.example.com")
        certs.append(x509.load_pem_x509_certificate(
            ca.issue_certificate_for_csr(ctx, csr, profile="server").pem.encode()))
    issuer = x509.load_pem_x509_certificate(ca.export_ca(ctx))
    with ctx.read() as s:
        from certyard.ca.authority import ca_certificate, ca_chain

        chain = [ca_certificate(r) for r in ca_chain(s)]
        ca_id = ca_chain(s)[0].id
    for cert in certs:
        shard = cert.serial_number % 4
        assert _cdp(cert) == f"http://crl.example.com:8080/ca/{ca_id}/crl/{shard}"
    by_shard: dict[int, list[x509.Certificate]] = {}
    for cert in certs:
        by_shard.setdefault(cert.serial_number % 4, []).append(cert)
    shard, members = next((k, v) for k, v in by_shard.items() if len(v) >= 2)
    victim, bystander = members[0], members[1]
    other = next(c for c in certs if c.serial_number % 4 != shard)

    with public_server(ctx) as base, httpx.Client(base_url=base) as client:
        for k in range(4):  # every shard CRL exists before any revocation
            assert client.get(f"/ca/{ca_id}/crl/{k}").status_code == 200
        with ctx.read() as s:
            numbers = {r.shard: r.crl_number for r in s.scalars(select(CaCrlShard))}
        ca.revoke_certificate(ctx, format(victim.serial_number, "x"), reason="keyCompromise")
        with ctx.read() as s:
            after = {r.shard: r.crl_number for r in s.scalars(select(CaCrlShard))}
        assert after[shard] == numbers[shard] + 1
        assert all(after[k] == numbers[k] for k in numbers if k != shard)  # untouched

        crls = {k: client.get(f"/ca/{ca_id}/crl/{k}").content for k in range(4)}
        full = x509.load_der_x509_crl(client.get(f"/ca/{ca_id}.crl").content)
        assert full.get_revoked_certificate_by_serial_number(victim.serial_number) is not None
        assert client.get(f"/ca/{ca_id}/crl/99").status_code == 404
    crl = x509.load_der_x509_crl(crls[shard])
    idp = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint)
    assert idp.critical
    assert [str(n.value) for n in idp.value.full_name] == [_cdp(victim)]  # type: ignore[union-attr]
    assert crl.get_revoked_certificate_by_serial_number(victim.serial_number) is not None
    assert len(crl) == 1
    for k, der in crls.items():
        if k != shard:
            assert len(x509.load_der_x509_crl(der)) == 0

    write_pem(tmp_path / "chain.pem", *chain)
    write_pem(tmp_path / "issuer.pem", issuer)
    for k, der in crls.items():
        (tmp_path / f"shard{k}.pem").write_bytes(
            x509.load_der_x509_crl(der).public_bytes(Encoding.PEM))
        done = _openssl("crl", "-in", f"shard{k}.pem", "-CAfile", "chain.pem", "-verify",
                        "-noout", cwd=tmp_path)
        assert "verify OK" in done.stdout + done.stderr, done.stderr
    for name, cert in (("victim", victim), ("bystander", bystander), ("other", other)):
        write_pem(tmp_path / f"{name}.pem", cert)

    def verify(name: str, k: int) -> subprocess.CompletedProcess[str]:
        return _openssl("verify", "-crl_check", "-CAfile", "chain.pem", "-CRLfile",
                        f"shard{k}.pem", f"{name}.pem", cwd=tmp_path)

    revoked = verify("victim", shard)
    assert revoked.returncode != 0 and "revoked" in revoked.stdout + revoked.stderr
    assert verify("bystander", shard).returncode == 0
    other_shard = other.serial_number % 4
    assert verify("other", other_shard).returncode == 0, verify("other", other_shard).stderr
    # A shard's CRL does not cover another shard's certificate (its IDP does not match).
    wrong = verify("other", shard)
    assert wrong.returncode != 0, wrong.stdout


def test_without_shards_the_full_crl_is_the_cdp(ctx: Any) -> None:
    setup_ca(ctx)
    _, csr = make_csr("plain.example.com")
    cert = x509.load_pem_x509_certificate(
        ca.issue_certificate_for_csr(ctx, csr, profile="server").pem.encode())
    assert _cdp(cert).endswith(".crl")
    crl = x509.load_der_x509_crl(ca.current_crl(ctx))
    assert not any(isinstance(e.value, x509.IssuingDistributionPoint) for e in crl.extensions)
