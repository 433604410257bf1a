"""The ACME server under test: a CA, the whole HTTPS application (``create_app``) on a
loopback port with a certificate from that CA, and the files a client needs to trust it."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from certyard import ca
from tests.ca.helpers import make_csr, setup_ca
from tests.support.ports import listening_socket

__all__ = ["AcmeServer", "acme_server", "setup_ca"]


@dataclass(frozen=True)
class AcmeServer:
    base: str  # https://127.0.0.1:PORT
    root_pem: Path  # the CA's root: what clients trust
    chain_pem: Path  # issuing CA (+ root), for openssl verify -untrusted

    def directory(self, profile: str) -> str:
        return f"{self.base}/acme/{profile}/directory"


def _root_and_chain(ctx: Any, tmp: Path) -> tuple[Path, Path]:
    from sqlalchemy import select

    from certyard.db.models.ca import CaCertificate

    with ctx.read() as s:
        rows = list(s.scalars(select(CaCertificate)))
    root = next(r for r in rows if r.parent_id is None)
    pems = {r.role: x509.load_der_x509_certificate(r.der).public_bytes(Encoding.PEM)
            for r in rows}
    root_pem = tmp / "root.pem"
    root_pem.write_bytes(x509.load_der_x509_certificate(root.der).public_bytes(Encoding.PEM))
    chain_pem = tmp / "issuing.pem"
    chain_pem.write_bytes(b"".join(v for k, v in pems.items() if k != "root"))
    return root_pem, chain_pem


@contextmanager
def acme_server(ctx: Any, tmp: Path) -> Iterator[AcmeServer]:
    """Serve ``create_app(ctx)`` over HTTPS on 127.0.0.1 (the CA must exist)."""
    from certyard.server.app import create_app

    key, _ = make_csr("127.0.0.1", sans=[])
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).add_extension(
        x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                     x509.DNSName("localhost")]), critical=False).sign(
        key, hashes.SHA256())
    issued = ca.issue_certificate_for_csr(ctx, csr, profile="server")
    tmp.mkdir(parents=True, exist_ok=True)
    root_pem, chain_pem = _root_and_chain(ctx, tmp)
    cert_file, key_file = tmp / "https.pem", tmp / "https.key"
    cert_file.write_bytes(issued.pem.encode() + chain_pem.read_bytes())
    key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    sock = listening_socket()
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False,
                                           ssl_certfile=str(cert_file),
                                           ssl_keyfile=str(key_file)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield AcmeServer(base=f"https://127.0.0.1:{port}", root_pem=root_pem,
                         chain_pem=chain_pem)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
