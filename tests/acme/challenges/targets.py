"""Loopback validation targets for the challenge tests: an HTTP server with scripted
answers, and a TLS server presenting a tls-alpn-01 certificate (RFC 8737)."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import ipaddress
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certyard.acme.challenges import ACME_IDENTIFIER_OID, acme_identifier_value

THUMBPRINT = "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"  # 43 base64url chars
TOKEN = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
KEY_AUTH = f"{TOKEN}.{THUMBPRINT}"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class HttpTarget:
    port: int
    answers: dict[str, Answer]
    seen: list[tuple[str, str]]  # (path, Host header) of every request


@contextlib.contextmanager
def http_target(answers: dict[str, Answer] | None = None, host: str = "127.0.0.1", *,
                tls: tuple[bytes, bytes] | None = None) -> Iterator[HttpTarget]:
    """A threaded HTTP/1.1 server on ``host`` port 0 answering ``answers[path]`` (404 for
    any other path) and recording what it was asked; HTTPS with ``tls`` (cert, key PEM)."""
    target = HttpTarget(0, dict(answers or {}), [])

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            target.seen.append((self.path, self.headers.get("Host", "")))
            answer = target.answers.get(self.path, Answer(404, b"not found"))
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            return

    family = socket.AF_INET6 if ":" in host else socket.AF_INET

    class Server(http.server.ThreadingHTTPServer):
        address_family = family

    server = Server((host, 0), Handler)
    if tls is not None:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "c.pem").write_bytes(tls[0])
            (Path(tmp) / "k.pem").write_bytes(tls[1])
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(Path(tmp) / "c.pem", Path(tmp) / "k.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    target.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()


def challenge_path(token: str = TOKEN) -> str:
    return f"/.well-known/acme-challenge/{token}"


def alpn_certificate(san: list[x509.GeneralName], key_authorization: str = KEY_AUTH, *,
                     critical: bool = True, value: bytes | None = None,
                     with_extension: bool = True) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) of a self-signed tls-alpn-01 certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "acme tls alpn")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1)))
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    if with_extension:
        ext_value = value if value is not None else acme_identifier_value(key_authorization)
        builder = builder.add_extension(
            x509.UnrecognizedExtension(ACME_IDENTIFIER_OID, ext_value), critical=critical)
    cert = builder.sign(key, hashes.SHA256())
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def name_san(name: str) -> list[x509.GeneralName]:
    try:
        return [x509.IPAddress(ipaddress.ip_address(name))]
    except ValueError:
        return [x509.DNSName(name)]


@dataclass
class TlsTarget:
    port: int
    sni: list[str | None]


@contextlib.contextmanager
def tls_target(cert_pem: bytes, key_pem: bytes, *, alpn: tuple[str, ...] = ("acme-tls/1",)
               ) -> Iterator[TlsTarget]:
    """A TLS server on 127.0.0.1 port 0 that completes handshakes with the given
    certificate and ALPN protocols, records each SNI, then closes."""
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp) / "c.pem", Path(tmp) / "k.pem"
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
    if alpn:
        context.set_alpn_protocols(list(alpn))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    target = TlsTarget(listener.getsockname()[1], [])

    def on_sni(sock: ssl.SSLObject | ssl.SSLSocket, name: str | None,
               ctx: ssl.SSLContext) -> None:
        target.sni.append(name)

    context.sni_callback = on_sni  # type: ignore[assignment]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    with context.wrap_socket(conn, server_side=True):
                        pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        listener.close()
        thread.join(timeout=5)


@contextlib.contextmanager
def silent_target(reply: bytes = b"") -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts, sends ``reply`` and then says nothing until
    the client gives up."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if reply:
                with contextlib.suppress(OSError):
                    conn.sendall(reply)
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        listener.close()
        for conn in held:
            conn.close()
        thread.join(timeout=5)
