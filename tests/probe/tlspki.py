"""Test PKI with the extensions real TLS clients expect, and loopback TLS servers (Python
``ssl`` in a thread, and ``openssl s_server``) with chosen certificates and versions."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.ports import PortInUse, in_use_message, start_with_free_port

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def ec_key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


def rsa_key(bits: int = 2048) -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@dataclass
class Issued:
    cert: x509.Certificate
    key: Any

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


def issue(cn: str, *, issuer: Issued | None = None, ca: bool = False, key: Any = None,
          sans: tuple[str, ...] = (), start: dt.datetime | None = None, days: int = 365,
          hash_alg: Any = None, subject: x509.Name | None = None,
          crl_url: str | None = None) -> Issued:
    key = key or ec_key()
    subj = subject or _name(cn)
    start = start or NOW - dt.timedelta(days=1)
    b = (x509.CertificateBuilder().subject_name(subj)
         .issuer_name(issuer.cert.subject if issuer else subj)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                        critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
             (issuer.key if issuer else key).public_key()), critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                   ExtendedKeyUsageOID.CLIENT_AUTH]),
                            critical=False)
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]),
                                critical=False)
    if crl_url:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
    cert = b.sign((issuer.key if issuer else key), hash_alg or hashes.SHA256())
    return Issued(cert, key)


def pem(*items: Issued) -> bytes:
    return b"".join(i.pem for i in items)



_VER = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
        "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


@contextlib.contextmanager
def python_server(tmp: Path, chain: bytes, key: bytes, *, min_v: str = "1.2",
                  max_v: str = "1.3", context: ssl.SSLContext | None = None,
                  ) -> Iterator[str]:
    """A Python ssl server on 127.0.0.1 completing handshakes until the block ends.
    SECLEVEL=0 so that SHA-1, RSA-1024 and TLS 1.0 can be served on purpose."""
    if context is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("ALL:@SECLEVEL=0")
        context.minimum_version, context.maximum_version = _VER[min_v], _VER[max_v]
        (tmp / "srv.pem").write_bytes(chain)
        (tmp / "srv.key").write_bytes(key)
        context.load_cert_chain(tmp / "srv.pem", tmp / "srv.key")
    def serve_one(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            with contextlib.suppress(OSError):
                tls.recv(1)

    with serve_loopback(serve_one) as address:
        yield address


@contextlib.contextmanager
def serve_loopback(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    """Accept connections on a free 127.0.0.1 port, each handled in its own thread by
    ``handle`` (errors end that connection only), until the block ends."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(128)
    lsock.settimeout(0.2)
    stop = threading.Event()

    def guarded(conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            handle(conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = lsock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=guarded, args=(conn,), daemon=True).start()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield f"127.0.0.1:{lsock.getsockname()[1]}"
    finally:
        stop.set()
        t.join(2)
        lsock.close()


@contextlib.contextmanager
def openssl_server(tmp: Path, chain: bytes, key: bytes, *args: str) -> Iterator[str]:
    """``openssl s_server`` on a free loopback port with extra arguments."""
    exe = shutil.which("openssl")
    assert exe, "openssl CLI is required"
    blocks = chain.split(b"-----END CERTIFICATE-----")
    first = blocks[0] + b"-----END CERTIFICATE-----\n"
    rest = chain[len(first) - 1:].strip()
    (tmp / "os.pem").write_bytes(first)
    (tmp / "os.key").write_bytes(key)
    extra: list[str] = []
    if rest:
        (tmp / "os-chain.pem").write_bytes(rest + b"\n")
        extra = ["-cert_chain", str(tmp / "os-chain.pem")]

    def start(port: int) -> tuple[subprocess.Popen[bytes], int]:
        proc = subprocess.Popen(
            [exe, "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(tmp / "os.pem"),
             "-key", str(tmp / "os.key"), *extra, "-naccept", "1000", "-quiet", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return proc, port
            except OSError:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    if in_use_message(err):
                        raise PortInUse(err) from None
                    raise RuntimeError(err) from None
                time.sleep(0.05)
        proc.kill()
        raise RuntimeError("openssl s_server did not start listening")

    proc, port = start_with_free_port(start)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(5)


def openssl_sign_sha1(tmp: Path, subject_key: Any, issuer: Issued, *,
                      sans: tuple[str, ...]) -> Issued:
    """A SHA-1 signed leaf made by the openssl CLI (cryptography no longer signs SHA-1)."""
    (tmp / "s1.key").write_bytes(Issued(issuer.cert, subject_key).key_pem)
    (tmp / "ca.pem").write_bytes(issuer.pem)
    (tmp / "ca.key").write_bytes(issuer.key_pem)
    (tmp / "ext.cnf").write_text(
        "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n"
        "subjectAltName=" + ",".join(f"DNS:{s}" for s in sans) + "\n")
    subprocess.run(["openssl", "req", "-new", "-key", str(tmp / "s1.key"), "-subj",
                    f"/CN={sans[0]}", "-out", str(tmp / "s1.csr")], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", str(tmp / "s1.csr"), "-CA",
                    str(tmp / "ca.pem"), "-CAkey", str(tmp / "ca.key"), "-set_serial", "7",
                    "-days", "30", "-sha1", "-extfile", str(tmp / "ext.cnf"), "-out",
                    str(tmp / "s1.pem")], check=True, capture_output=True)
    return Issued(x509.load_pem_x509_certificate((tmp / "s1.pem").read_bytes()), subject_key)
