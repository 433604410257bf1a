"""Version enumeration by ServerHello only: the parser on crafted bytes, and real
``openssl s_server`` endpoints (a single version; a configuration with a hole)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from certyard.probe.check import check_endpoint
from certyard.probe.hello import accepts_version, server_hello_version
from certyard.probe.tlsclient import parse_target
from tests.probe.tlspki import NOW, issue, openssl_server, pem
from tests.support.peers import requires_peer

HOST = "hello.example"


def _server_hello(legacy: bytes, extensions: bytes = b"") -> bytes:
    body = legacy + b"\x11" * 32 + b"\x00" + b"\x13\x01" + b"\x00"
    if extensions:
        body += len(extensions).to_bytes(2, "big") + extensions
    msg = b"\x02" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x03" + len(msg).to_bytes(2, "big") + msg


def test_server_hello_parser() -> None:
    assert server_hello_version(_server_hello(b"\x03\x03")) == "1.2"
    assert server_hello_version(_server_hello(b"\x03\x01")) == "1.0"
    supported = b"\x00\x2b\x00\x02\x03\x04"
    assert server_hello_version(_server_hello(b"\x03\x03", b"\x00\x17\x00\x00" +
                                              supported)) == "1.3"
    assert server_hello_version(b"\x15\x03\x03\x00\x02\x02\x46") is None  # alert
    assert server_hello_version(_server_hello(b"\x03\x03")[:20]) is None  # truncated
    assert server_hello_version(b"") is None


@pytest.fixture(scope="module")
def cert():  # type: ignore[no-untyped-def]
    root = issue("Hello Root", ca=True)
    return root, issue(HOST, issuer=root, sans=(HOST,))


def test_single_version_server(cert, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, leaf = cert
    with openssl_server(tmp_path, pem(leaf), leaf.key_pem, "-tls1_2") as target:
        host, port = parse_target(target)
        assert accepts_version(host, port, "1.2")
        assert not accepts_version(host, port, "1.3")
        assert not accepts_version(host, port, "1.1")
        report = check_endpoint(target, anchors=[root.cert], now=NOW, sni=HOST)
        assert report.versions == ["1.2"] and report.version == "1.2"


@requires_peer(shutil.which("sslscan") is not None, "sslscan", install="apt-get install sslscan")
def test_version_hole_matches_sslscan(cert, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """TLS 1.0 and 1.3 but not 1.1/1.2: every version below the negotiated one is asked."""
    from tests.probe.test_check import _sslscan_versions

    root, leaf = cert
    with openssl_server(tmp_path, pem(leaf), leaf.key_pem, "-no_tls1_1", "-no_tls1_2",
                        "-cipher", "ALL:@SECLEVEL=0") as target:
        report = check_endpoint(target, anchors=[root.cert], now=NOW, sni=HOST)
        assert report.versions == ["1.0", "1.3"] == _sslscan_versions(target)
        assert report.flags == ["version_below_minimum"]
