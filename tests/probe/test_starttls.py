"""STARTTLS for IMAP (RFC 3501) and LDAP (RFC 4511 StartTLS extended operation) against
small real servers on loopback that upgrade the connection with Python's ssl."""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from certyard.probe import check_endpoint
from tests.probe.tlspki import NOW, issue, pem, serve_loopback

HOST = "mail.example"
# ExtendedResponse, messageID 1, resultCode success(0), empty matchedDN and message.
LDAP_OK = bytes.fromhex("300c02010178070a010004000400")


@contextlib.contextmanager
def starttls_server(tmp: Path, chain: bytes, key: bytes, protocol: str) -> Iterator[str]:
    (tmp / "c.pem").write_bytes(chain)
    (tmp / "k.pem").write_bytes(key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp / "c.pem", tmp / "k.pem")

    def one(conn: socket.socket) -> None:
        if protocol == "imap":
            conn.sendall(b"* OK IMAP4rev1 ready\r\n")
            line = conn.recv(1024)
            if not line.upper().endswith(b"STARTTLS\r\n"):
                return
            tag = line.split(b" ", 1)[0]
            conn.sendall(tag + b" OK Begin TLS negotiation now\r\n")
        else:
            req = conn.recv(1024)
            if b"1.3.6.1.4.1.1466.20037" not in req:
                return
            conn.sendall(LDAP_OK)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            with contextlib.suppress(OSError):
                tls.recv(1)

    with serve_loopback(one) as address:
        yield address


@pytest.mark.parametrize("protocol", ["imap", "ldap"])
def test_starttls(tmp_path: Path, protocol: str) -> None:
    root = issue("ST Root", ca=True)
    leaf = issue(HOST, issuer=root, sans=(HOST,))
    with starttls_server(tmp_path, pem(leaf), leaf.key_pem, protocol) as target:
        report = check_endpoint(target, anchors=[root.cert], now=NOW, sni=HOST,
                                starttls=protocol, timeout=3)
        plain = check_endpoint(target, anchors=[root.cert], now=NOW, sni=HOST, timeout=3)
    assert report.flags == [], report.error
    assert report.versions == ["1.2", "1.3"]
    assert plain.flags == ["unreachable"]  # no TLS without the STARTTLS exchange
