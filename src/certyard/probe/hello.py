"""Does an endpoint accept one TLS version? Answered from its first reply to a ClientHello
that offers only that version, without finishing the handshake.

Enumerating versions does not need the chain, the key exchange or the Finished messages:
the server's ServerHello (or its alert) already says whether it takes the version. Python's
``ssl`` writes the ClientHello through a memory BIO; the reply is read from the socket and
only its record and ServerHello headers are parsed here, so each extra version costs one
round trip and no client-side key exchange or certificate parsing.
"""

from __future__ import annotations

import socket
import ssl

from certyard.probe.tlsclient import _client_context, _starttls

__all__ = ["accepts_version", "server_hello_version"]

_WIRE = {b"\x03\x01": "1.0", b"\x03\x02": "1.1", b"\x03\x03": "1.2", b"\x03\x04": "1.3"}
_HANDSHAKE, _ALERT, _SERVER_HELLO, _SUPPORTED_VERSIONS = 0x16, 0x15, 0x02, 0x002B
_MAX_REPLY = 1 << 16


def server_hello_version(data: bytes) -> str | None:
    """The version a ServerHello at the start of ``data`` selects, or None (an alert,
    anything else, or a truncated message). TLS 1.3 signals itself in supported_versions
    (RFC 8446 4.2.1); older versions in the legacy version field."""
    if len(data) < 9 or data[0] != _HANDSHAKE or data[5] != _SERVER_HELLO:
        return None
    body_len = int.from_bytes(data[6:9], "big")
    body = data[9:9 + body_len]
    if len(body) < body_len or body_len < 38:
        return None
    version = _WIRE.get(bytes(body[0:2]))
    pos = 2 + 32
    pos += 1 + body[pos]  # session id
    pos += 2 + 1  # cipher suite, compression method
    if pos + 2 <= len(body):
        end = min(len(body), pos + 2 + int.from_bytes(body[pos:pos + 2], "big"))
        pos += 2
        while pos + 4 <= end:
            ext, size = int.from_bytes(body[pos:pos + 2], "big"), \
                int.from_bytes(body[pos + 2:pos + 4], "big")
            if ext == _SUPPORTED_VERSIONS and size == 2:
                return _WIRE.get(bytes(body[pos + 4:pos + 6]))
            pos += 4 + size
    return version


def _first_message(sock: socket.socket) -> bytes:
    """The server's first handshake message (reassembled across records, behind a
    handshake record header) or its first non-handshake record (an alert)."""
    buf = b""
    while len(buf) < _MAX_REPLY:
        chunk = sock.recv(16384)
        if not chunk:
            break
        buf += chunk
        payload, pos = b"", 0
        while pos + 5 <= len(buf):
            kind, size = buf[pos], int.from_bytes(buf[pos + 3:pos + 5], "big")
            if pos + 5 + size > len(buf):
                break
            if kind != _HANDSHAKE:
                if payload:
                    break
                return buf[pos:pos + 5 + size]
            payload += buf[pos + 5:pos + 5 + size]
            pos += 5 + size
        if len(payload) >= 4 and len(payload) >= 4 + int.from_bytes(payload[1:4], "big"):
            return bytes([_HANDSHAKE]) + b"\x03\x03" + len(payload).to_bytes(2, "big") + payload
    return b""


def accepts_version(host: str, port: int, version: str, *, sni: str | None = None,
                    starttls: str | None = None, timeout: float = 5.0) -> bool:
    """True when the endpoint answers a ClientHello offering only ``version`` with a
    ServerHello selecting it. Connection failures are raised, not reported."""
    ctx = _client_context(version)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        if starttls:
            _starttls(sock, starttls)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
        try:
            tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError:
            return False  # this client cannot even offer it (not built in)
        hello = outgoing.read()
        if not hello:
            return False
        sock.sendall(hello)
        try:
            reply = _first_message(sock)
        except (ConnectionResetError, TimeoutError):
            return False
    return server_hello_version(reply) == version
