"""The seed's flow from the CLI with real openssl against a real uvicorn-served router:
a node's CSR goes to the built-in CA, waits pending, is issued, installs, verifies; it is
revoked; `openssl ocsp` and the CRL both say revoked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.ca.server import public_server
from tests.support.openssl_ca import openssl
from tests.support.ports import free_port


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *args], capture_output=True)


def test_seed_flow(cli, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("node", "add", "sub1", "--fqdn", "sub1.example.com").code == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    r = cli("ca", "config", "--base-url", base, "--json")
    assert r.code == 0, r.stderr
    r = cli("ca", "init", "--json")
    assert r.code == 0, r.stderr
    info = r.json()
    assert "tomcat-trust" in info["trust_stores"]
    assert cli("csr", "generate", "tomcat", "--node", "sub1").code == 0

    r = cli("ca", "sign-pending", "tomcat", "--node", "sub1", "--json")
    assert r.code == 0, r.stderr
    req = r.json()
    assert req["state"] == "pending" and req["node"] == "sub1"
    pending = cli("ca", "requests", "--state", "pending", "--json").json()["items"]
    assert [p["id"] for p in pending] == [req["id"]]
    shown = cli("ca", "show-request", str(req["id"]), "--json").json()
    assert shown["sans"] == ["DNS:sub1.example.com"] and shown["key"] == "RSA-2048"
    assert shown["serial"] is None

    leaf = tmp_path / "leaf.pem"
    r = cli("ca", "issue", str(req["id"]), "-o", str(leaf))
    assert r.code == 0, r.stderr
    assert "Installed as tomcat on sub1" in r.stdout
    shown = cli("ca", "show-request", str(req["id"]), "--json").json()
    assert shown["state"] == "issued" and shown["serial"]
    items = cli("cert", "list", "--purpose", "tomcat", "--type", "identity", "--node", "sub1",
                "--json").json()["items"]
    mine = [i for i in items if i["node"] == "sub1"]
    assert len(mine) == 1 and mine[0]["serial"].lower().replace(":", "").lstrip("0") == \
        shown["serial"].lstrip("0")

    root = tmp_path / "root.pem"
    chain = tmp_path / "chain.pem"
    issuing = tmp_path / "issuing.pem"
    assert cli("ca", "export", "--chain", "-o", str(chain)).code == 0
    assert cli("ca", "export", "-o", str(issuing)).code == 0
    pems = chain.read_text().split("-----END CERTIFICATE-----\n")
    root.write_text(pems[1] + "-----END CERTIFICATE-----\n")
    assert b": OK" in openssl("verify", "-CAfile", str(root), "-untrusted", str(issuing),
                              str(leaf))
    text = openssl("x509", "-in", str(leaf), "-noout", "-text").decode()
    assert f"OCSP - URI:{base}/ocsp" in text and f"URI:{base}/ca/" in text
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in text

    with public_server(ctx, port=port):
        def ocsp_status() -> str:
            out = _run("ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-url",
                       f"{base}/ocsp", "-CAfile", str(root), "-resp_text")
            assert out.returncode == 0, out.stderr
            assert b"Response verify OK" in out.stderr, out.stderr
            return out.stdout.decode()

        first = ocsp_status()
        assert f"{leaf}: good" in first and "OCSP Nonce" in first

        r = cli("ca", "revoke", shown["serial"], "--reason", "keyCompromise", "--json",
                "--yes")
        assert r.code == 0, r.stderr
        after = ocsp_status()
        assert f"{leaf}: revoked" in after and "Reason: keyCompromise" in after

        crl = tmp_path / "crl.der"
        crl.write_bytes(httpx.get(f"{base}/ca/crl").content)
        cdp = httpx.get(f"{base}/ca/{info['issuing']['id']}.crl").content
        assert cdp == crl.read_bytes()
    out = _run("crl", "-inform", "DER", "-in", str(crl), "-CAfile", str(issuing), "-noout",
               "-verify", "-text")
    assert out.returncode == 0 and b"verify OK" in out.stderr
    assert shown["serial"].upper().lstrip("0") in out.stdout.decode().replace(":", "")
    crl_pem = tmp_path / "crl.pem"
    openssl("crl", "-inform", "DER", "-in", str(crl), "-out", str(crl_pem))
    out = _run("verify", "-crl_check", "-CAfile", str(root), "-untrusted", str(issuing),
               "-CRLfile", str(crl_pem), str(leaf))
    assert out.returncode != 0 and b"certificate revoked" in out.stdout + out.stderr
    # The same CRL from the CLI.
    r = cli("ca", "crl", "--format", "pem")
    assert r.code == 0 and r.stdout.startswith("-----BEGIN X509 CRL-----")


def test_verify_crl_check_good(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`openssl verify -crl_check` accepts a good certificate against our CRL, with a root
    signing directly (--no-intermediate)."""
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("ca", "init", "--no-intermediate", "--key-type", "EC").code == 0
    key = tmp_path / "k.pem"
    csr = tmp_path / "r.csr"
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", str(key), "-out", str(csr), "-subj", "/CN=app.example.com",
            "-addext", "subjectAltName=DNS:app.example.com")
    r = cli("ca", "submit", str(csr), "--json")
    assert r.code == 0, r.stderr
    assert r.json()["state"] == "pending"
    leaf = tmp_path / "leaf.pem"
    assert cli("ca", "issue", str(r.json()["id"]), "--profile", "server", "-o",
               str(leaf)).code == 0
    root = tmp_path / "root.pem"
    assert cli("ca", "export", "-o", str(root)).code == 0
    crl = tmp_path / "crl.pem"
    assert cli("ca", "crl", "--format", "pem", "-o", str(crl)).code == 0
    out = _run("verify", "-crl_check", "-CAfile", str(root), "-CRLfile", str(crl), str(leaf))
    assert out.returncode == 0, out.stdout + out.stderr


def test_delegated_ocsp_responder(cli, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With delegation on, openssl verifies responses signed by the responder certificate
    (id-kp-OCSPSigning, ocsp-nocheck) that the issuing CA gave itself."""
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509 import ocsp

    from certyard import ca
    from tests.ca.helpers import make_csr, setup_ca

    setup_ca(ctx)
    assert ca.configure_ca(ctx, ocsp_delegated=True).ocsp_delegated
    _, csr = make_csr("svc.example.com")
    issued = ca.issue_certificate_for_csr(ctx, csr, profile="server")
    chain = cx509.load_pem_x509_certificates(ca.export_ca(ctx, chain=True))
    leaf, issuing, root = tmp_path / "leaf.pem", tmp_path / "issuing.pem", tmp_path / "r.pem"
    leaf.write_text(issued.pem)
    issuing.write_bytes(chain[0].public_bytes(Encoding.PEM))
    root.write_bytes(chain[1].public_bytes(Encoding.PEM))
    req = ocsp.OCSPRequestBuilder().add_certificate(
        cx509.load_pem_x509_certificate(issued.pem.encode()), chain[0], hashes.SHA1()).build()
    resp = ocsp.load_der_ocsp_response(ca.ocsp_respond(ctx, req.public_bytes(Encoding.DER)))
    signer = resp.certificates[0]
    assert "OCSP Responder" in signer.subject.rfc4514_string()
    eku = signer.extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value
    assert list(eku) == [cx509.oid.ExtendedKeyUsageOID.OCSP_SIGNING]
    signer.extensions.get_extension_for_class(cx509.OCSPNoCheck)
    with public_server(ctx) as base:
        out = _run("ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-url",
                   f"{base}/ocsp", "-CAfile", str(root), "-verify_other", str(issuing))
    assert out.returncode == 0 and b"Response verify OK" in out.stderr, out.stderr
    assert f"{leaf}: good".encode() in out.stdout
    signer_pem = tmp_path / "signer.pem"
    signer_pem.write_bytes(signer.public_bytes(Encoding.PEM))
    lint = subprocess.run(["lint_pkix_cert", "lint", "-s", "ERROR", str(signer_pem)],
                          capture_output=True, text=True)
    assert (lint.stdout + lint.stderr).strip() == ""
    assert ca.presign_responses(ctx) >= 1
