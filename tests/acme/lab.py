"""What the real-client tests share: a CA and the HTTPS application on loopback
(``tests.acme.helpers.acme_server``), the CA's plain-HTTP listener for OCSP, a BIND 9
zone whose names point at 127.0.0.1, validator ports the clients listen on, and checks of
what a client got (``openssl verify`` with the CA chain, ``openssl ocsp``)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from certyard import acme
from certyard.config import Settings
from certyard.context import open_context
from tests.acme.helpers import AcmeServer, acme_server, setup_ca
from tests.ca.server import public_server
from tests.support.dns import DnsServer
from tests.support.ports import free_port

__all__ = ["Lab", "acme_lab", "leaf_of", "ocsp_status", "openssl_verify"]


@dataclass
class Lab:
    ctx: Any
    srv: AcmeServer
    dns: DnsServer
    ocsp_base: str
    http_port: int
    tlsalpn_port: int
    tmp: Path

    def names(self, *labels: str) -> list[str]:
        """Names in the test zone, each with an A record 127.0.0.1."""
        out = []
        for label in labels:
            name = self.dns.name(label)
            self.dns.add_a(name, "127.0.0.1")
            out.append(name)
        return out

    def profile(self, name: str, **kw: Any) -> str:
        """An ACME profile for the test zone; returns its directory URL."""
        kw.setdefault("allowed_suffixes", [self.dns.zone])
        kw.setdefault("days", 30)
        acme.add_profile(self.ctx, name, **kw)
        return self.srv.directory(name)

    def eab(self, profile: str) -> tuple[str, str]:
        created = acme.create_eab_key(self.ctx, profile, description="client test")
        return created.kid, created.hmac_key

    def issued(self, serial_hex: str) -> Any:
        from certyard import ca

        return ca.show_issued(self.ctx, serial_hex)


@contextlib.contextmanager
def acme_lab(env: dict[str, str], tmp: Path, dns: DnsServer) -> Iterator[Lab]:
    ctx = open_context(Settings.from_env(env))
    setup_ca(ctx)
    http_port, tlsalpn_port = free_port(), free_port()
    acme.update_acme_settings(ctx, http_port=http_port, tlsalpn_port=tlsalpn_port,
                              dns_resolver=f"{dns.address}:{dns.port}", timeout=10,
                              allowed_networks=["127.0.0.0/8"])
    with public_server(ctx) as ocsp_base, acme_server(ctx, tmp / "srv") as srv:
        yield Lab(ctx, srv, dns, ocsp_base, http_port, tlsalpn_port, tmp)


def leaf_of(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificates(path.read_bytes())[0]


def _first_pem(path: Path, tmp: Path) -> Path:
    """The first certificate of a bundle, alone in a file (for openssl -cert)."""
    out = tmp / (path.name + ".leaf.pem")
    from cryptography.hazmat.primitives.serialization import Encoding

    out.write_bytes(leaf_of(path).public_bytes(Encoding.PEM))
    return out


def openssl_verify(lab: Lab, cert: Path) -> None:
    leaf = _first_pem(cert, lab.tmp)
    done = subprocess.run(["openssl", "verify", "-CAfile", str(lab.srv.root_pem),
                           "-untrusted", str(lab.srv.chain_pem), "-purpose", "sslserver",
                           str(leaf)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and ": OK" in done.stdout, done.stdout + done.stderr


def ocsp_status(lab: Lab, cert: Path) -> str:
    """``good`` or ``revoked``, from certyard's OCSP responder through ``openssl ocsp``."""
    leaf = _first_pem(cert, lab.tmp)
    done = subprocess.run(["openssl", "ocsp", "-issuer", str(lab.srv.chain_pem), "-cert",
                           str(leaf), "-url", f"{lab.ocsp_base}/ocsp", "-CAfile",
                           str(lab.srv.root_pem), "-no_nonce"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "Response verify OK" in done.stderr, \
        done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith(str(leaf)))
    return line.split(":", 1)[1].strip()


def sans(cert: x509.Certificate) -> list[str]:
    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return sorted(ext.get_values_for_type(x509.DNSName))
