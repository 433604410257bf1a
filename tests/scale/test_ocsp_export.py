"""OCSP responses exported as files: the name a real client's request maps to (openssl
builds the request), the file verifies with openssl, revocation and expiry are reflected,
and bad input is refused."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from certyard import ca
from certyard.ca.ocsp_export import export_ocsp_responses
from certyard.errors import InvalidInput
from tests.ca.helpers import make_csr, setup_ca


def _openssl_request(tmp: Path, issuer: Path, leaf: Path) -> bytes:
    out = tmp / "req.der"
    subprocess.run(["openssl", "ocsp", "-issuer", str(issuer), "-cert", str(leaf), "-no_nonce",
                    "-reqout", str(out)], check=True, capture_output=True, timeout=20)
    return out.read_bytes()


def _status(tmp: Path, resp: Path, issuer: Path, chain: Path, leaf: Path) -> str:
    p = subprocess.run(["openssl", "ocsp", "-respin", str(resp), "-issuer", str(issuer),
                        "-cert", str(leaf), "-CAfile", str(chain)],
                       capture_output=True, timeout=20, text=True)
    assert "Response verify OK" in p.stdout + p.stderr, p.stdout + p.stderr
    return p.stdout


def test_export_names_match_openssl_requests_and_verify(ctx, tmp_path):
    setup_ca(ctx)
    leaves = [ca.issue_certificate_for_csr(ctx, make_csr(f"h{i}.example.com")[1],
                                           profile="server") for i in range(2)]
    issuer = tmp_path / "issuer.pem"
    issuer.write_bytes(ca.export_ca(ctx))
    chain = tmp_path / "chain.pem"
    chain.write_bytes(ca.export_ca(ctx, chain=True))
    out = tmp_path / "ocsp"
    result = export_ocsp_responses(ctx, out)
    assert result.written == 2 and result.removed == 0
    index = json.loads((out / "index.json").read_text())
    assert {r["serial"] for r in index["responses"]} == {v.serial for v in leaves}
    for v in leaves:
        leaf = tmp_path / f"{v.serial}.pem"
        leaf.write_text(v.pem)
        req = _openssl_request(tmp_path, issuer, leaf)
        name = hashlib.sha1(req).hexdigest()
        assert (out / "sha1" / name).is_file()
        assert ": good" in _status(tmp_path, out / "sha1" / name, issuer, chain, leaf)

    # Revocation re-signs the stored response; the next export carries it.
    ca.revoke_certificate(ctx, leaves[0].serial, reason="keyCompromise")
    export_ocsp_responses(ctx, out)
    leaf = tmp_path / f"{leaves[0].serial}.pem"
    name = hashlib.sha1(_openssl_request(tmp_path, issuer, leaf)).hexdigest()
    assert ": revoked" in _status(tmp_path, out / "sha1" / name, issuer, chain, leaf)
    assert not list(out.rglob(".*.tmp"))


def test_export_refuses_a_file_as_directory(ctx, tmp_path, cli):
    setup_ca(ctx)
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InvalidInput, match="not a directory"):
        export_ocsp_responses(ctx, f)
    assert f.read_text() == "x"
    r = cli("ca", "ocsp-export", str(f))
    assert r.code != 0 and "not a directory" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("ca", "ocsp-export", str(tmp_path / "out"), "--json")
    assert r.code == 0 and r.json()["written"] == 0
