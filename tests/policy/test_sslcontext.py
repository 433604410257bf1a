"""The HTTPS listener's SSLContext built from the policy, checked with `openssl s_client`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from certyard.errors import InvalidInput
from certyard.policy import build_server_ssl_context
from tests.probe.tlspki import issue, python_server, rsa_key

HOST = "pub.example.com"


@pytest.fixture(scope="module")
def certs():  # type: ignore[no-untyped-def]
    rsa_cert = issue(HOST, key=rsa_key(2048), sans=(HOST,))
    ec_cert = issue(HOST, key=ec.generate_private_key(ec.SECP384R1()), sans=(HOST,))
    return [(rsa_cert.pem, rsa_cert.key_pem), (ec_cert.pem, ec_cert.key_pem)]


def s_client(target: str, *args: str) -> subprocess.CompletedProcess[str]:
    # The client itself runs at security level 0 so that a refusal is the server's doing.
    return subprocess.run(["openssl", "s_client", "-connect", target, "-servername", HOST,
                           "-cipher", "ALL:@SECLEVEL=0", *args], input="", text=True,
                          capture_output=True, timeout=20)


def test_min_version_enforced(certs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = build_server_ssl_context({"min_version": "1.2"}, certs)
    with python_server(tmp_path, b"", b"", context=ctx) as target:
        assert s_client(target, "-tls1_1").returncode != 0
        ok = s_client(target, "-tls1_3")
        assert ok.returncode == 0 and "TLSv1.3" in ok.stdout
        assert s_client(target, "-tls1_2").returncode == 0
    ctx = build_server_ssl_context({"min_version": "1.3"}, certs)
    with python_server(tmp_path, b"", b"", context=ctx) as target:
        assert s_client(target, "-tls1_2").returncode != 0
    ctx = build_server_ssl_context({"min_version": "1.0"}, certs)
    with python_server(tmp_path, b"", b"", context=ctx) as target:
        old = s_client(target, "-tls1")
        assert old.returncode == 0, old.stderr


def test_https_cipher_string_applied(certs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = {"all_ciphers": "AES128-SHA", "https_ciphers": "ECDHE-RSA-AES128-GCM-SHA256"}
    ctx = build_server_ssl_context(settings, certs)
    with python_server(tmp_path, b"", b"", context=ctx) as target:
        assert s_client(target, "-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0").returncode != 0
        ok = s_client(target, "-tls1_2")
        assert "ECDHE-RSA-AES128-GCM-SHA256" in ok.stdout


def test_ecdsa_only_client_needs_ec_and_rsa(certs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ecdsa_only = ("-tls1_2", "-cipher",
                  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256")
    sig13 = ("-tls1_3", "-sigalgs", "ecdsa_secp384r1_sha384:ecdsa_secp256r1_sha256")
    rsa_only = build_server_ssl_context({"https_cipher_option": "rsa-only"}, certs)
    with python_server(tmp_path, b"", b"", context=rsa_only) as target:
        assert s_client(target, *ecdsa_only).returncode != 0
        assert s_client(target, *sig13).returncode != 0
    both = build_server_ssl_context({"https_cipher_option": "ec-and-rsa"}, certs)
    with python_server(tmp_path, b"", b"", context=both) as target:
        r = s_client(target, *ecdsa_only)
        assert r.returncode == 0 and "ECDHE-ECDSA-AES256-GCM-SHA384" in r.stdout
        assert s_client(target, *sig13).returncode == 0
        assert "ECDHE-RSA" in s_client(target, "-tls1_2", "-cipher", "aRSA").stdout


def test_rsa_only_without_rsa_certificate_is_refused(certs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="needs an RSA"):
        build_server_ssl_context({}, certs[1:])
    with pytest.raises(InvalidInput, match="min_version"):
        build_server_ssl_context({"min_version": "1.9"}, certs)
