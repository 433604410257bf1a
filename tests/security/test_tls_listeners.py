"""Findings 13, 14, 15: every listener follows the TLS policy (the agent listener too),
the default HTTPS ciphers are forward-secret AEAD only (weaker ones only by explicit
choice, marked weak), and the plain-HTTP redirect never follows the Host header."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from certyard import ca, cluster, policy
from certyard.server.app import create_http_app
from tests.agent.conftest import AgentServer
from tests.probe.tlspki import issue, python_server, rsa_key
from tests.support.ports import free_port

HOST = "pub.example.com"


def s_client(target: str, *args: str) -> subprocess.CompletedProcess[str]:
    # The client offers everything (security level 0): a refusal is the server's doing.
    return subprocess.run(["openssl", "s_client", "-connect", target, "-servername", HOST,
                           *args], input="", text=True, capture_output=True, timeout=30)


@pytest.fixture
def pub(ctx: Any) -> Any:
    cluster.init_cluster(ctx, name="pub", fqdn=HOST)
    ca.init_ca(ctx)
    return ctx


def _agent_listener(ctx: Any) -> AgentServer:
    srv = AgentServer(ctx, free_port())
    srv.start()
    return srv


def test_agent_listener_follows_the_minimum_tls_version(pub: Any) -> None:
    policy.set_min_version(pub, "1.3")
    srv = _agent_listener(pub)
    try:
        target = f"127.0.0.1:{srv.port}"
        assert s_client(target, "-tls1_2", "-cipher", "ALL:@SECLEVEL=0").returncode != 0
        ok = s_client(target, "-tls1_3")
        assert ok.returncode == 0 and "TLSv1.3" in ok.stdout
    finally:
        srv.stop()


def test_agent_listener_follows_fips_and_cipher_policy(pub: Any) -> None:
    from certyard import backup

    backup.set_security_password(pub, "Long-Security-Pass-2026")  # FIPS mode needs one
    policy.enable_fips(pub)
    srv = _agent_listener(pub)
    try:
        target = f"127.0.0.1:{srv.port}"
        chacha = s_client(target, "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305")
        assert chacha.returncode != 0
        weak = s_client(target, "-tls1_2", "-cipher", "AES128-SHA:AES256-SHA:@SECLEVEL=0")
        assert weak.returncode != 0
        ok = s_client(target, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
        assert ok.returncode == 0, ok.stderr
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def certs() -> list[tuple[bytes, bytes]]:
    rsa_cert = issue(HOST, key=rsa_key(2048), sans=(HOST,))
    ec_cert = issue(HOST, key=ec.generate_private_key(ec.SECP384R1()), sans=(HOST,))
    return [(rsa_cert.pem, rsa_cert.key_pem), (ec_cert.pem, ec_cert.key_pem)]


@pytest.mark.parametrize("option", ["rsa-only", "ec-and-rsa"])
def test_default_https_ciphers_are_forward_secret_aead(certs: Any, tmp_path: Path,
                                                       option: str) -> None:
    sc = policy.build_server_ssl_context({"https_cipher_option": option}, certs)
    with python_server(tmp_path, b"", b"", context=sc) as target:
        for weak in ("AES256-SHA", "AES128-SHA", "DHE-RSA-AES128-SHA", "ECDHE-RSA-AES128-SHA"):
            r = s_client(target, "-tls1_2", "-cipher", f"{weak}:@SECLEVEL=0")
            assert r.returncode != 0, weak
        ok = s_client(target, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
        assert ok.returncode == 0, ok.stderr


def test_seed_cipher_list_is_an_explicit_choice_marked_weak(pub: Any, cli: Any) -> None:
    from certyard.policy.ciphers import SEED_HTTPS_PRIORITY

    report = policy.cipher_report(pub)
    assert report["interfaces"]["https"]["weak"] == []
    change = policy.set_cipher_string(pub, "https", SEED_HTTPS_PRIORITY["rsa-only"])
    assert any("AES128-SHA" in w and "forward secrecy" in w for w in change.warnings)
    shown = cli("tls", "ciphers", "show")
    assert shown.code == 0 and "AES256-SHA is weak" in shown.stderr


def test_http_redirect_ignores_the_host_header(pub: Any) -> None:
    app = create_http_app(pub, https_port=8443)
    client = TestClient(app, base_url="http://attacker.example:8080")
    r = client.get("/certificates?x=1", headers={"Host": "attacker.example:8080"},
                   follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"https://{HOST}:8443/certificates?x=1"
    named = TestClient(create_http_app(pub, https_port=443, server_name="certs.example.com"))
    r = named.get("/x", headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.headers["location"] == "https://certs.example.com/x"
