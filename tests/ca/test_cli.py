"""The remaining CLI paths: import, submit from stdin, deny, listings, config, export."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from tests.ca.helpers import make_csr
from tests.support.openssl_ca import OpenSSLCA, openssl


def test_import_submit_stdin_deny(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    ext = OpenSSLCA(tmp_path / "ext")
    r = cli("ca", "import", str(ext.root), str(ext.root_key), "--purpose", "tomcat", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["trust_stores"] == ["tomcat-trust"]
    assert cli("ca", "import", str(ext.root), str(ext.root_key)).code == 5  # already set up

    _, csr = make_csr("one.example.com")
    r = cli("ca", "submit", "-", "--profile", "server", "--json",
            stdin=csr.public_bytes(Encoding.PEM))
    assert r.code == 0, r.stderr
    assert r.json()["state"] == "pending"
    rid = str(r.json()["id"])
    r = cli("ca", "submit", "-", stdin=csr.public_bytes(Encoding.PEM))
    assert r.code == 5 and "already pending" in r.stderr
    r = cli("ca", "deny", rid)
    assert r.code == 2 and "reason is required" in r.stderr
    r = cli("ca", "deny", rid, "--reason", "unknown requester", "--json")
    assert r.code == 0 and r.json()["state"] == "denied"
    denied = cli("ca", "requests", "--state", "denied", "--json").json()["items"]
    assert [d["reason"] for d in denied] == ["unknown requester"]
    assert "unknown requester" in cli("ca", "show-request", rid).stdout

    _, csr2 = make_csr("two.example.com")
    rid2 = cli("ca", "submit", "-", stdin=csr2.public_bytes(Encoding.PEM)).stdout.strip()
    r = cli("ca", "issue", rid2, "--days", "30", "--json")
    assert r.code == 0, r.stderr
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(r.json()["pem"])
    assert b": OK" in openssl("verify", "-CAfile", str(ext.root), str(leaf))
    issued = cli("ca", "issued", "--json").json()["items"]
    assert [i["serial"] for i in issued] == [r.json()["serial"]]
    r = cli("ca", "revoke", issued[0]["serial"], "--reason", "certificateHold", "--json",
            "--yes")
    assert r.json()["status"] == "hold"
    assert cli("ca", "issued", "--status", "hold", "--json").json()["items"]
    assert cli("ca", "release-hold", issued[0]["serial"], "--json").json()["status"] == "good"

    p7 = tmp_path / "chain.p7b"
    assert cli("ca", "export", "--format", "p7b", "-o", str(p7)).code == 0
    assert b"subject=" in openssl("pkcs7", "-inform", "DER", "-in", str(p7), "-print_certs")
    r = cli("ca", "config", "--allowed-domain", "Example.COM", "--crl-days", "3", "--json")
    assert r.json()["allowed_domains"] == ["example.com"] and r.json()["crl_days"] == 3
    r = cli("ca", "config", "--crl-days", "0")
    assert r.code == 2 and "CRL validity" in r.stderr
    assert "CRL validity (days):      3" in cli("ca", "config").stdout


def test_issued_certificate_can_be_fetched_again(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`ca issue -o FILE --json` writes the file and names it; `ca show-request --json`,
    `ca issued --json` and `ca download SERIAL [--chain] [-o FILE]` give the PEM back."""
    from cryptography import x509

    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("ca", "init").code == 0
    _, csr = make_csr("again.example.com")
    rid = cli("ca", "submit", "-", stdin=csr.public_bytes(Encoding.PEM)).stdout.strip()
    out = tmp_path / "issued.pem"
    r = cli("ca", "issue", rid, "-o", str(out), "--json")
    assert r.code == 0, r.stderr
    body = r.json()
    assert body["output"] == str(out) and out.read_text() == body["pem"]
    cert = x509.load_pem_x509_certificate(out.read_bytes())
    serial = body["serial"]
    assert format(cert.serial_number, "x") == serial

    shown = cli("ca", "show-request", rid, "--json").json()
    assert shown["state"] == "issued" and shown["pem"] == body["pem"]
    (item,) = cli("ca", "issued", "--json").json()["items"]
    assert item["serial"] == serial and item["pem"] == body["pem"]

    r = cli("ca", "download", serial.upper())
    assert r.code == 0 and r.stdout == body["pem"], r.stderr
    chain = tmp_path / "chain.pem"
    r = cli("ca", "download", serial, "--chain", "-o", str(chain))
    assert r.code == 0, r.stderr
    certs = x509.load_pem_x509_certificates(chain.read_bytes())
    assert len(certs) == 3 and certs[0] == cert  # leaf, issuing CA, root
    root = tmp_path / "root.pem"
    root.write_bytes(certs[-1].public_bytes(Encoding.PEM))
    untrusted = tmp_path / "issuing.pem"
    untrusted.write_bytes(certs[1].public_bytes(Encoding.PEM))
    assert b": OK" in openssl("verify", "-CAfile", str(root), "-untrusted", str(untrusted),
                              str(out))
    r = cli("ca", "download", "abcdef0123")
    assert r.code == 4 and "not found" in r.stderr, r.stderr
    r = cli("ca", "download", "not-hex")
    assert r.code == 2, r.stderr
