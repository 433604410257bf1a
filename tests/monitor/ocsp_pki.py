"""A small PKI for revocation tests and a real `openssl ocsp` responder on loopback."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from tests.support.ports import free_port

NOW = dt.datetime.now(dt.timezone.utc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(cn: str, *, issuer: x509.Certificate | None = None, issuer_key=None,  # type: ignore[no-untyped-def]
              public_key=None, ca: bool = False, ocsp_url: str | None = None,
              crl_url: str | None = None, eku=None, days: int = 365):  # type: ignore[no-untyped-def]
    key = None
    if public_key is None:
        key = ec.generate_private_key(ec.SECP256R1())
        public_key = key.public_key()
    b = (x509.CertificateBuilder().subject_name(_name(cn))
         .issuer_name(issuer.subject if issuer else _name(cn)).public_key(public_key)
         .serial_number(x509.random_serial_number())
         .not_valid_before(NOW - dt.timedelta(days=1))
         .not_valid_after(NOW + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ocsp_url:
        b = b.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]),
            critical=False)
    if crl_url:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    cert = b.sign(issuer_key or key, hashes.SHA256())
    return cert, key


def write_pem(path: Path, cert: x509.Certificate, key=None) -> Path:  # type: ignore[no-untyped-def]
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return path


def index_line(cert: x509.Certificate, *, revoked_at: dt.datetime | None = None) -> str:
    exp = cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
    rev = revoked_at.strftime("%y%m%d%H%M%SZ") if revoked_at else ""
    return "\t".join(["R" if revoked_at else "V", exp, rev, f"{cert.serial_number:X}",
                      "unknown", "/CN=" + cert.subject.rfc4514_string()[3:]]) + "\n"


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 10) -> None:  # type: ignore[type-arg]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"responder exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"port {port} did not open")


class OpenSSLResponder:
    """`openssl ocsp -index ... -port ...` signing with the given responder cert/key."""

    def __init__(self, directory: Path, *, ca: Path, signer: Path, index: str,
                 ndays: int | None = 1, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        (directory / "index.txt").write_text(index)
        args = ["openssl", "ocsp", "-index", str(directory / "index.txt"),
                "-port", str(self.port), "-rsigner", str(signer),
                "-rkey", str(signer.with_suffix(".key")), "-CA", str(ca), "-ignore_err"]
        if ndays is not None:
            args += ["-ndays", str(ndays)]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        # Readiness from its own message: a probing connect would occupy the responder,
        # which serves one connection at a time.
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        if b"waiting for OCSP client connections" not in line:
            raise RuntimeError(f"openssl ocsp did not start: {line!r}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
