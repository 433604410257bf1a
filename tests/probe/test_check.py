"""Each probe flag comes from a real loopback server that has the defect, and only from it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from certyard.probe import check_endpoint, check_endpoints
from tests.probe.tlspki import (
    NOW,
    issue,
    openssl_server,
    openssl_sign_sha1,
    pem,
    python_server,
    rsa_key,
)
from tests.support.peers import requires_peer

HOST = "good.example"


@pytest.fixture(scope="module")
def pki():  # type: ignore[no-untyped-def]
    root = issue("Probe Root", ca=True, days=3650, start=NOW - dt.timedelta(days=30))
    inter = issue("Probe Intermediate", ca=True, issuer=root, days=1000,
                  start=NOW - dt.timedelta(days=20))
    other_root = issue("Other Root", ca=True, days=3650, start=NOW - dt.timedelta(days=30))
    other_inter = issue("Other Intermediate", ca=True, issuer=other_root, days=1000)
    return {"root": root, "inter": inter, "other_root": other_root, "other_inter": other_inter}


def leaf(pki, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("sans", (HOST,))
    kw.setdefault("issuer", pki["inter"])
    return issue(HOST, **kw)


def probe(pki, target: str, *, sni: str = HOST, pool=(), min_version: str = "1.2",  # type: ignore[no-untyped-def]
          now: dt.datetime = NOW):
    return check_endpoint(target, anchors=[pki["root"].cert], now=now, sni=sni, pool=pool,
                          min_version=min_version)


def test_good_server_has_no_flags(pki, tmp_path: Path) -> None:
    good = leaf(pki)
    with python_server(tmp_path, pem(good, pki["inter"]), good.key_pem) as target:
        report = probe(pki, target)
    assert report.flags == []
    assert report.validation is not None and report.validation.valid
    assert report.version == "1.3"
    assert report.versions == ["1.2", "1.3"]
    assert [c["subject"] for c in report.chain] == ["CN=good.example", "CN=Probe Intermediate"]
    assert len(report.validation.path) == 3


@pytest.mark.parametrize("case,flag", [
    ("expired", "expired"),
    ("not_yet_valid", "not_yet_valid"),
    ("untrusted", "untrusted_issuer"),
    ("mismatch", "name_mismatch"),
    ("weak", "weak_key"),
    ("sha1", "sha1_signature"),
])
def test_each_defect_raises_exactly_its_flag(pki, tmp_path: Path, case: str, flag: str) -> None:
    sni = HOST
    chain_extra = [pki["inter"]]
    if case == "expired":
        cert = leaf(pki, start=NOW - dt.timedelta(days=400), days=30)
    elif case == "not_yet_valid":
        cert = leaf(pki, start=NOW + dt.timedelta(days=2), days=30)
    elif case == "untrusted":
        cert = leaf(pki, issuer=pki["other_inter"])
        chain_extra = [pki["other_inter"], pki["other_root"]]  # complete, but not trusted
    elif case == "mismatch":
        cert = leaf(pki)
        sni = "other.example"
    elif case == "weak":
        cert = leaf(pki, key=rsa_key(1024))
    else:
        cert = openssl_sign_sha1(tmp_path, rsa_key(), pki["inter"], sans=(HOST,))
    # openssl x509 (SHA-1 case) starts validity at the moment it signs.
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1) if case == "sha1" else NOW
    with python_server(tmp_path, pem(cert, *chain_extra), cert.key_pem) as target:
        report = probe(pki, target, sni=sni, now=now)
    assert report.flags == [flag], report.details
    assert report.validation is not None and not report.validation.valid


def test_missing_intermediate(pki, tmp_path: Path) -> None:
    cert = leaf(pki)
    with python_server(tmp_path, pem(cert), cert.key_pem) as target:
        without_pool = probe(pki, target)
        with_pool = probe(pki, target, pool=[pki["inter"].cert])
    # Nothing else knows the intermediate: no path either.
    assert without_pool.flags == ["untrusted_issuer", "missing_intermediate"]
    # Given the intermediate (as AIA fetching would), only the server's omission remains.
    assert with_pool.flags == ["missing_intermediate"]
    assert with_pool.validation is not None and with_pool.validation.valid


def _sslscan_versions(target: str) -> list[str]:
    out = subprocess.run(["sslscan", "--no-colour", "--no-ciphersuites", "--no-heartbleed",
                          "--no-renegotiation", "--no-compression", "--no-groups",
                          "--no-fallback", target], capture_output=True, text=True,
                         timeout=60).stdout
    found = re.findall(r"^TLSv(1\.[0-3])\s+enabled", out, flags=re.M)
    return sorted(found)


@requires_peer(shutil.which("sslscan") is not None, "sslscan", install="apt-get install sslscan")
def test_version_below_minimum_matches_sslscan(pki, tmp_path: Path) -> None:
    cert = leaf(pki)
    chain = pem(cert, pki["inter"])
    # OpenSSL 3 serves TLS 1.0/1.1 only at security level 0 (SHA-1/MD5 handshake hashes).
    with openssl_server(tmp_path, chain, cert.key_pem, "-cipher", "ALL:@SECLEVEL=0") as old:
        report = probe(pki, old)
        assert report.flags == ["version_below_minimum"], report.details
        assert report.versions == _sslscan_versions(old)
        assert "1.0" in report.versions and "1.3" in report.versions
        assert probe(pki, old, min_version="1.0").flags == []
    with openssl_server(tmp_path, chain, cert.key_pem, "-no_tls1", "-no_tls1_1") as modern:
        report = probe(pki, modern)
        assert report.flags == []
        assert report.versions == _sslscan_versions(modern) == ["1.2", "1.3"]


def test_unreachable_and_concurrent(pki, tmp_path: Path) -> None:
    good = leaf(pki)
    from tests.support.ports import free_port

    closed = f"127.0.0.1:{free_port()}"
    with python_server(tmp_path, pem(good, pki["inter"]), good.key_pem) as target:
        reports = check_endpoints([target, closed, target], anchors=[pki["root"].cert],
                                  now=NOW, concurrency=2, timeout=2)
    assert [r.flags for r in reports] == [["name_mismatch"], ["unreachable"],
                                          ["name_mismatch"]]  # IP target, SAN is a DNS name
    assert reports[1].error


def _sslscan_certificate_flags(target: str, now: dt.datetime) -> set[str]:
    """Expiry, key strength and signature hash as sslscan reports them."""
    out = subprocess.run(["sslscan", "--no-colour", "--no-ciphersuites", "--no-heartbleed",
                          "--no-renegotiation", "--no-compression", "--no-groups",
                          "--no-fallback", target], capture_output=True, text=True,
                         timeout=60).stdout
    summary = out.split("SSL Certificate:")[-1]
    flags = set()
    sig = re.search(r"^Signature Algorithm:\s*(\S+)", summary, flags=re.M)
    if sig and "sha1" in sig.group(1).lower():
        flags.add("sha1_signature")
    bits = re.search(r"^RSA Key Strength:\s*(\d+)", summary, flags=re.M)
    if bits and int(bits.group(1)) < 2048:
        flags.add("weak_key")
    after = re.search(r"^Not valid after:\s*(.+?)\s*$", summary, flags=re.M)
    assert after, out
    not_after = dt.datetime.strptime(after.group(1), "%b %d %H:%M:%S %Y %Z").replace(
        tzinfo=dt.timezone.utc)
    if not_after < now:
        flags.add("expired")
    return flags


@requires_peer(shutil.which("sslscan") is not None, "sslscan", install="apt-get install sslscan")
@pytest.mark.parametrize("case", ["good", "expired", "weak", "sha1"])
def test_certificate_findings_match_sslscan(pki, tmp_path: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    if case == "expired":
        cert = leaf(pki, start=NOW - dt.timedelta(days=400), days=30)
    elif case == "weak":
        cert = leaf(pki, key=rsa_key(1024))
    elif case == "sha1":
        cert = openssl_sign_sha1(tmp_path, rsa_key(), pki["inter"], sans=(HOST,))
    else:
        cert = leaf(pki)
    with python_server(tmp_path, pem(cert, pki["inter"]), cert.key_pem) as target:
        ours = set(probe(pki, target, now=now).flags)
        theirs = _sslscan_certificate_flags(target, now)
    assert ours & {"expired", "weak_key", "sha1_signature"} == theirs
    assert theirs == (set() if case == "good" else
                      {{"expired": "expired", "weak": "weak_key", "sha1": "sha1_signature"}[case]})
