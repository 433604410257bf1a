"""The seed's third-party CA flow, end to end from the CLI, with `openssl` as the CA:
generate CSR -> sign with an openssl CA -> upload root to tomcat-trust -> upload the signed
certificate -> `openssl verify` accepts the exported chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.openssl_ca import OpenSSLCA, openssl


@pytest.fixture
def cluster(cli):  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("node", "add", "sub1", "--fqdn", "sub1.example.com").code == 0
    assert cli("node", "add", "sub2", "--fqdn", "sub2.example.com").code == 0
    return cli


def _identity(cli, purpose: str, node: str) -> dict:  # type: ignore[no-untyped-def]
    items = cli("cert", "list", "--purpose", purpose, "--type", "identity", "--node", node,
                "--json").json()["items"]
    mine = [i for i in items if i["node"] == node]
    assert len(mine) == 1
    return mine[0]


def _verify_exported(cli, tmp_path: Path, ca: OpenSSLCA, entry_id: int) -> None:  # type: ignore[no-untyped-def]
    leaf = tmp_path / f"exported-{entry_id}.pem"
    r = cli("cert", "download", str(entry_id), "--format", "pem", "-o", str(leaf))
    assert r.code == 0, r.stderr
    args = ["verify", "-CAfile", str(ca.root)]
    if ca.intermediate:
        args += ["-untrusted", str(ca.intermediate)]
    out = openssl(*args, str(leaf))
    assert b": OK" in out


@pytest.mark.parametrize("intermediate", [False, True], ids=["root", "intermediate"])
def test_pem_flow(cluster, tmp_path: Path, intermediate: bool) -> None:  # type: ignore[no-untyped-def]
    cli = cluster
    ca = OpenSSLCA(tmp_path / "ca", intermediate=intermediate)
    r = cli("csr", "generate", "tomcat", "--node", "sub1", "--san", "alias.example.com",
            "--json")
    assert r.code == 0, r.stderr
    csr = cli("csr", "download", "tomcat", "--node", "sub1").stdout_bytes
    assert csr.startswith(b"-----BEGIN CERTIFICATE REQUEST-----")
    text = openssl("req", "-in", "/dev/stdin", "-noout", "-text", input=csr).decode()
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in text
    assert "Digital Signature, Key Encipherment, Data Encipherment" in text
    assert "DNS:sub1.example.com" in text and "DNS:alias.example.com" in text

    signed = ca.sign(csr)
    # The seed's order: the root first. Uploading before that is refused, store unchanged.
    before = cli("cert", "list", "--json", "--page-size", "1000").json()
    r = cli("cert", "upload", "tomcat", str(signed), "--node", "sub1")
    assert r.code == 3 and "upload the CA root certificate" in r.stderr
    assert cli("cert", "list", "--json", "--page-size", "1000").json() == before

    r = cli("cert", "upload-trust", "tomcat-trust", str(ca.root), "--description", "Root")
    assert r.code == 0, r.stderr
    upload = [str(signed)]
    if intermediate:
        chain = tmp_path / "chain.pem"
        chain.write_bytes(signed.read_bytes() + ca.intermediate.read_bytes())  # type: ignore[union-attr]
        upload = [str(chain)]
    r = cli("cert", "upload", "tomcat", *upload, "--node", "sub1", "--json")
    assert r.code == 0, r.stderr
    result = r.json()
    assert result["nodes"] == ["sub1"]
    assert "web server" in result["restart_services"]
    if intermediate:
        assert [t["common_name"] for t in result["trust_added"]] == ["Example Root CA Issuing"]
    entry = _identity(cli, "tomcat", "sub1")
    assert entry["self_signed"] is False and entry["issued_by"].startswith("Example Root CA")
    _verify_exported(cli, tmp_path, ca, entry["id"])
    # Other nodes keep their own certificates (single-server).
    assert _identity(cli, "tomcat", "sub2")["self_signed"] is True
    # A duplicate trust upload is reported, not stored twice.
    r = cli("cert", "upload-trust", "tomcat-trust", str(ca.root), "--json")
    assert r.code == 0 and len(r.json()["duplicates"]) == 1 and r.json()["added"] == []


@pytest.mark.parametrize("der", [False, True], ids=["p7b-pem", "p7b-der"])
def test_pkcs7_chain_flow(cluster, tmp_path: Path, der: bool) -> None:  # type: ignore[no-untyped-def]
    cli = cluster
    ca = OpenSSLCA(tmp_path / "ca", intermediate=True)
    assert cli("csr", "generate", "tomcat").code == 0
    signed = ca.sign(cli("csr", "download", "tomcat").stdout_bytes)
    assert cli("cert", "upload-trust", "tomcat-trust", str(ca.root)).code == 0
    p7 = tmp_path / "chain.p7b"
    p7.write_bytes(ca.pkcs7_chain(signed, der=der))
    r = cli("cert", "upload", "tomcat", str(p7), "--json")
    assert r.code == 0, r.stderr
    entry = _identity(cli, "tomcat", "pub")
    _verify_exported(cli, tmp_path, ca, entry["id"])


def test_multi_server_lands_on_all_nodes(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli = cluster
    ca = OpenSSLCA(tmp_path / "ca")
    r = cli("csr", "generate", "tomcat", "--distribution", "multi-server",
            "--san", "www.example.com", "--json")
    assert r.code == 0, r.stderr
    entries = r.json()["entries"]
    assert sorted(e["node"] for e in entries) == ["pub", "sub1", "sub2"]
    assert set(entries[0]["sans"]) == {"DNS:pub.example.com", "DNS:sub1.example.com",
                                       "DNS:sub2.example.com", "DNS:www.example.com"}
    # The multi-server CSR is on every node; any node's copy is the same request.
    csr_sub2 = cli("csr", "download", "tomcat", "--node", "sub2").stdout_bytes
    assert csr_sub2 == cli("csr", "download", "tomcat").stdout_bytes
    signed = ca.sign(csr_sub2)
    assert cli("cert", "upload-trust", "tomcat-trust", str(ca.root)).code == 0
    r = cli("cert", "upload", "tomcat", str(signed), "--json")
    assert r.code == 0, r.stderr
    assert sorted(r.json()["nodes"]) == ["pub", "sub1", "sub2"]
    fps = {_identity(cli, "tomcat", n)["fingerprint_sha256"] for n in ("pub", "sub1", "sub2")}
    assert len(fps) == 1
    for n in ("pub", "sub1", "sub2"):
        e = _identity(cli, "tomcat", n)
        assert e["distribution"] == "multi-server" and e["has_private_key"]
        _verify_exported(cli, tmp_path, ca, e["id"])


def test_ecdsa_purpose_flow(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli = cluster
    ca = OpenSSLCA(tmp_path / "ca")
    r = cli("csr", "generate", "tomcat-ECDSA", "--key-length", "256", "--hash", "SHA512")
    assert r.code == 0, r.stderr
    signed = ca.sign(cli("csr", "download", "tomcat-ECDSA").stdout_bytes)
    assert cli("cert", "upload-trust", "tomcat-ECDSA-trust", str(ca.root)).code == 0
    r = cli("cert", "upload", "tomcat-ECDSA", str(signed), "--json")
    assert r.code == 0, r.stderr
    e = _identity(cli, "tomcat-ECDSA", "pub")
    assert (e["key_type"], e["key_size"]) == ("EC", 256)
    _verify_exported(cli, tmp_path, ca, e["id"])
