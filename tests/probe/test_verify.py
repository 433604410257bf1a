"""`certyard cert verify`: offline validation like a TLS client, and bounded work on hostile
chains. The bound is the work limit the result reports (``work_limit``), not a clock:
timing goals live in benchmarks/; pytest-timeout catches a real hang."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509

from certyard.probe import verify_chain
from tests.probe.tlspki import NOW, ec_key, issue, pem


@pytest.fixture(scope="module")
def pki():  # type: ignore[no-untyped-def]
    root = issue("V Root", ca=True, days=3650, start=NOW - dt.timedelta(days=30))
    inter = issue("V Intermediate", ca=True, issuer=root, days=1000,
                  start=NOW - dt.timedelta(days=20))
    leaf = issue("www.example.net", issuer=inter, sans=("www.example.net",), days=90)
    return root, inter, leaf


def test_valid_path_and_reasons(pki) -> None:  # type: ignore[no-untyped-def]
    root, inter, leaf = pki
    ok = verify_chain(leaf.cert, intermediates=[inter.cert], anchors=[root.cert], at=NOW,
                      hostname="www.example.net")
    assert ok.valid and [p["subject"] for p in ok.path] == [
        "CN=www.example.net", "CN=V Intermediate", "CN=V Root"]
    bad_name = verify_chain(leaf.cert, intermediates=[inter.cert], anchors=[root.cert],
                            at=NOW, hostname="mail.example.net")
    assert not bad_name.valid and bad_name.code == "verification"
    late = verify_chain(leaf.cert, intermediates=[inter.cert], anchors=[root.cert],
                        at=NOW + dt.timedelta(days=200), hostname="www.example.net")
    assert not late.valid and "expired" in (late.reason or "")
    missing = verify_chain(leaf.cert, intermediates=[], anchors=[root.cert], at=NOW,
                           hostname="www.example.net")
    assert missing.code == "issuer_not_found" and "V Intermediate" in (missing.reason or "")
    client = verify_chain(leaf.cert, intermediates=[inter.cert], anchors=[root.cert], at=NOW,
                          purpose="client")
    assert client.valid


def test_many_certificates_sharing_subject_and_key(pki) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = pki
    key = ec_key()
    twins = [issue("Twin CA", ca=True, issuer=root, key=key) for _ in range(40)]
    # Each twin also cross-signed by the others' shared key: a dense graph of candidates.
    leaf = issue("a.example", issuer=twins[0], sans=("a.example",))
    result = verify_chain(
        leaf.cert, intermediates=[t.cert for t in twins], anchors=[root.cert], at=NOW,
        hostname="a.example")
    assert not result.valid and result.code == "work_limit"


def test_deep_and_looping_chains(pki) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = pki
    chain = [root]
    for i in range(30):
        chain.append(issue(f"Deep {i}", ca=True, issuer=chain[-1]))
    leaf = issue("deep.example", issuer=chain[-1], sans=("deep.example",))
    result = verify_chain(
        leaf.cert, intermediates=[c.cert for c in chain[1:]], anchors=[root.cert], at=NOW,
        hostname="deep.example")
    assert not result.valid and "deeper than 8" in (result.reason or "")
    # A loop: A issued by B, B issued by A (same keys), no anchor reachable.
    ka, kb = ec_key(), ec_key()
    a0 = issue("Loop A", ca=True, key=ka)
    b = issue("Loop B", ca=True, key=kb, issuer=a0)
    a = issue("Loop A", ca=True, key=ka, issuer=b)
    leaf = issue("loop.example", issuer=a, sans=("loop.example",))
    result = verify_chain(
        leaf.cert, intermediates=[a.cert, b.cert], anchors=[root.cert], at=NOW,
        hostname="loop.example")
    assert not result.valid


def test_huge_name_constraints(pki) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = pki
    key = ec_key()
    subtrees = [x509.DNSName(f"n{i}.example") for i in range(2000)]
    nc = (x509.CertificateBuilder().subject_name(x509.Name.from_rfc4514_string("CN=NC CA"))
          .issuer_name(root.cert.subject).public_key(key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=9))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.NameConstraints(permitted_subtrees=subtrees,
                                              excluded_subtrees=None), critical=True)
          .sign(root.key, __import__("cryptography.hazmat.primitives.hashes",
                                     fromlist=["SHA256"]).SHA256()))
    from tests.probe.tlspki import Issued

    leaf = issue("x.example", issuer=Issued(nc, key), sans=tuple(f"s{i}.example"
                                                                 for i in range(500)))
    result = verify_chain(
        leaf.cert, intermediates=[nc], anchors=[root.cert], at=NOW, hostname="s1.example")
    assert not result.valid and result.code == "work_limit"


def test_cli_cert_verify(cli, pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, inter, leaf = pki
    (tmp_path / "leaf.pem").write_bytes(pem(leaf))
    (tmp_path / "inter.pem").write_bytes(pem(inter))
    (tmp_path / "root.pem").write_bytes(pem(root))
    args = ["cert", "verify", str(tmp_path / "leaf.pem"), "--untrusted",
            str(tmp_path / "inter.pem"), "--trusted", str(tmp_path / "root.pem")]
    ok = cli(*args, "--hostname", "www.example.net", "--json")
    assert ok.code == 0 and ok.json()["valid"] and len(ok.json()["path"]) == 3
    text = cli(*args, "--hostname", "www.example.net")
    assert "OK" in text.stdout and "V Root" in text.stdout
    bad = cli(*args, "--hostname", "other.example.net")
    assert bad.code == 3 and "FAILED" in bad.stdout
    at = (NOW + dt.timedelta(days=400)).isoformat()
    assert cli(*args, "--hostname", "www.example.net", "--at", at).code == 3
    err = cli(*args, "--hostname", "www.example.net", "--at", "yesterday")
    assert err.code == 2 and "ISO 8601" in err.stderr
    assert cli(*args).code == 2  # a server certificate needs --hostname
    none = cli("cert", "verify", str(tmp_path / "leaf.pem"), "--trusted",
               str(tmp_path / "nothing.pem"), "--hostname", "x")
    assert none.code == 3 and "not found" in none.stderr  # README: unusable file is 3
