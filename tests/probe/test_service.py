"""`certyard probe` end to end: trust store and minimum TLS version from the database."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import pytest

from certyard import policy, store
from certyard.cluster import init_cluster
from certyard.errors import InvalidInput
from certyard.probe import probe_endpoint
from tests.probe.tlspki import NOW, issue, openssl_server, pem, python_server
from tests.support.ports import free_port

HOST = "svc.example"


@pytest.fixture(scope="module")
def pki():  # type: ignore[no-untyped-def]
    root = issue("Svc Root", ca=True, days=3650, start=NOW - dt.timedelta(days=30))
    inter = issue("Svc Intermediate", ca=True, issuer=root, start=NOW - dt.timedelta(days=9))
    leaf = issue(HOST, issuer=inter, sans=(HOST,))
    return root, inter, leaf


def test_probe_uses_trust_store_and_min_version(ctx, pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, inter, leaf = pki
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    store.upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    chain = pem(leaf, inter)
    with openssl_server(tmp_path, chain, leaf.key_pem, "-cipher", "ALL:@SECLEVEL=0") as t:
        report = probe_endpoint(ctx, t, sni=HOST)
        assert report.flags == ["version_below_minimum"]
        assert report.validation is not None and report.validation.valid
        policy.set_min_version(ctx, "1.0")
        assert probe_endpoint(ctx, t, sni=HOST).flags == []
        # The same endpoint judged against a trust store that lacks the root.
        assert "untrusted_issuer" in probe_endpoint(ctx, t, sni=HOST,
                                                    trust_store="ipsec-trust").flags
    with pytest.raises(InvalidInput, match="starttls"):
        probe_endpoint(ctx, "127.0.0.1:1", starttls="pop3")
    with pytest.raises(InvalidInput, match="HOST:PORT"):
        probe_endpoint(ctx, "no-port")
    with pytest.raises(InvalidInput, match="unknown purpose"):
        probe_endpoint(ctx, "127.0.0.1:1", trust_store="nothing-trust")


def test_probe_starttls_smtp(pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    from certyard.probe import check_endpoint

    root, inter, leaf = pki
    (tmp_path / "c.pem").write_bytes(pem(leaf, inter))
    (tmp_path / "k.pem").write_bytes(leaf.key_pem)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, tls_context=tls)
    controller.start()
    try:
        report = check_endpoint(f"127.0.0.1:{port}", anchors=[root.cert], now=NOW, sni=HOST,
                                starttls="smtp")
    finally:
        controller.stop()
    assert report.flags == [], report.error
    assert report.chain[0]["subject"] == f"CN={HOST}"


def test_cli_probe(cli, pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, inter, leaf = pki
    assert cli("init").code == 0
    (tmp_path / "root.pem").write_bytes(pem(root))
    assert cli("cert", "upload-trust", "tomcat-trust", str(tmp_path / "root.pem")).code == 0
    with python_server(tmp_path, pem(leaf, inter), leaf.key_pem) as target:
        r = cli("probe", target, "--sni", HOST, "--trust-store", "tomcat-trust", "--json")
        data = r.json()
        text = cli("probe", target, "--sni", "wrong.example")
    assert data["versions"] == ["1.2", "1.3"]
    assert data["flags"] == [] and r.code == 0 and data["validation"]["valid"]
    assert text.code == 1 and "name_mismatch" in text.stdout
    assert "finding(s)" in text.stderr
