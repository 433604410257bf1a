"""FIPS mode offers no non-approved TLS 1.3 suite (checked with `openssl s_client`), while
outside FIPS mode OpenSSL's three defaults stay on."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from certyard.policy.sslcontext import build_server_ssl_context
from tests.probe.tlspki import issue, python_server, rsa_key


def _handshake(address: str, suite: str) -> bool:
    proc = subprocess.run(
        ["openssl", "s_client", "-connect", address, "-tls1_3", "-ciphersuites", suite],
        input=b"", capture_output=True, timeout=60)
    return proc.returncode == 0 and b"Cipher is " + suite.encode() in proc.stdout


@pytest.mark.parametrize("fips", [True, False])
def test_tls13_suites_follow_fips_mode(tmp_path: Path, fips: bool) -> None:
    leaf = issue("tls13.example", key=rsa_key(), sans=("tls13.example",))
    ctx = build_server_ssl_context({"min_version": "1.2"}, [(leaf.pem, leaf.key_pem)],
                                   fips=fips)
    with python_server(tmp_path, b"", b"", context=ctx) as address:
        assert _handshake(address, "TLS_AES_256_GCM_SHA384")
        assert _handshake(address, "TLS_CHACHA20_POLY1305_SHA256") is not fips
