"""The local host utility (seed 004, CiscoCertUtil): a self-signed host certificate, a CSR
and a folder of trusted certificates on one host directory, without the server.

Layout (as in the seed's C:\\icm\\ssl):

    <dir>/certs/host.pem      the host's certificate (self-signed, or CA-signed installed)
    <dir>/certs/host.csr      the request to send to a CA
    <dir>/keys/host.key       RSA 2048, 0600; reused by every command while it exists
    <dir>/trust-certs/*.pem   certificates of peers this host trusts

Rules from the seed: RSA 2048; the existing key is reused; generate-cert does not overwrite
host.pem or host.key unless forced (then both are new); the utility does not validate
certificates it installs, it only checks they parse; errors are one line on the console.
"""

from __future__ import annotations

import datetime as dt
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from certyard.errors import Conflict, InvalidFile, InvalidInput, NotFound
from certyard.hostutil.files import atomic_write, shred_file
from certyard.x509 import build_csr, build_self_signed, fingerprint, load_certificates

__all__ = ["HostCertificate", "HostDir", "LocalResult", "host_fqdn"]

KEY_BITS = 2048
SHRED_PASSES = 3  # overwrites of a replaced host.key before it is removed
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, kw_only=True)
class HostCertificate:
    name: str
    location: str  # certs | trust-certs
    subject: str
    issuer: str
    not_after: str
    fingerprint_sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, kw_only=True)
class LocalResult:
    action: str
    path: str
    key_reused: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "path": self.path, "key_reused": self.key_reused}


class HostDir:
    """One host's certificate directory; every write is atomic, keys are 0600."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def cert_path(self) -> Path:
        return self.root / "certs" / "host.pem"

    @property
    def csr_path(self) -> Path:
        return self.root / "certs" / "host.csr"

    @property
    def key_path(self) -> Path:
        return self.root / "keys" / "host.key"

    @property
    def trust_dir(self) -> Path:
        return self.root / "trust-certs"

    def _load_key(self) -> rsa.RSAPrivateKey | None:
        if not self.key_path.exists():
            return None
        try:
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise InvalidFile(f"{self.key_path} is not a usable PEM private key "
                              f"({str(exc).splitlines()[0]})") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidFile(f"{self.key_path} is not an RSA key")
        return key

    def _new_key(self) -> rsa.RSAPrivateKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        atomic_write(self.key_path, pem, mode=0o600)
        return key

    def _key(self, *, fresh: bool) -> tuple[rsa.RSAPrivateKey, bool]:
        existing = None if fresh else self._load_key()
        if existing is not None:
            return existing, True
        if fresh and self.key_path.exists():
            # Renaming a new file over the old one would leave the old key's bytes on disk;
            # overwrite them first, as the agent does with keys it replaces.
            shred_file(self.key_path, passes=SHRED_PASSES)
        return self._new_key(), False

    def generate_cert(self, *, common_name: str | None = None, force: bool = False,
                      now: dt.datetime, days: int = 365 * 2) -> LocalResult:
        """A self-signed host.pem. Without force an existing host.pem is never replaced;
        with force both key and certificate are new (the seed's /generateCert /f)."""
        if self.cert_path.exists() and not force:
            raise Conflict(f"{self.cert_path} already exists; use --force to replace it "
                           "(and host.key)")
        cn = _host_name(common_name)
        key, reused = self._key(fresh=force)
        if not reused and self.csr_path.exists():
            self.csr_path.unlink()  # it was signed by the key just replaced
        cert = build_self_signed(key, common_name=cn, sans=[x509.DNSName(cn)],
                                 hash_name="SHA256", now=now, days=days)
        atomic_write(self.cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return LocalResult(action="generate-cert", path=str(self.cert_path), key_reused=reused)

    def generate_csr(self, *, common_name: str | None = None,
                     force: bool = False) -> LocalResult:
        """host.csr signed with host.key (reused when present)."""
        if self.csr_path.exists() and not force:
            raise Conflict(f"{self.csr_path} already exists; use --force to replace it")
        key, reused = self._key(fresh=False)
        cn = _host_name(common_name)
        csr = build_csr(key, common_name=cn, sans=[x509.DNSName(cn)], hash_name="SHA256")
        atomic_write(self.csr_path, csr.public_bytes(serialization.Encoding.PEM))
        return LocalResult(action="generate-csr", path=str(self.csr_path), key_reused=reused)

    def install(self, data: bytes, *, name: str | None = None) -> LocalResult:
        """Place a peer's certificate in trust-certs/. Installing the same name twice
        fails (the seed: the second attempt to place it fails); remove it first."""
        try:
            certs = load_certificates(data)
        except InvalidFile as exc:
            raise InvalidFile(f"not a certificate file: {exc.message}") from None
        if len(certs) != 1:
            raise InvalidFile(f"the file holds {len(certs)} certificates; install one at a time")
        cert = certs[0]
        if name is not None and (not name or _SAFE.sub("_", name) != name
                                 or name.startswith(".")):
            raise InvalidInput(f"{name!r} is not a certificate name: letters, digits, '.', "
                               "'_' and '-', not starting with '.'", field="name")
        base = _SAFE.sub("_", name or _cn(cert)).strip("._") or fingerprint(
            cert.public_bytes(serialization.Encoding.DER))[:16]
        target = self.trust_dir / f"{base}.pem"
        if target.exists():
            raise Conflict(f"{target.name} is already in {self.trust_dir}; remove it first")
        atomic_write(target, cert.public_bytes(serialization.Encoding.PEM))
        return LocalResult(action="install", path=str(target))

    def remove(self, name: str) -> LocalResult:
        stem = name[:-4] if name.endswith(".pem") else name
        if not stem or _SAFE.sub("_", stem) != stem or stem.startswith("."):
            raise InvalidInput(f"{name!r} is not a certificate name; see `certyard local list`",
                               field="name")
        target = self.trust_dir / f"{stem}.pem"
        if not target.is_file():
            raise NotFound("trusted certificate", stem)
        target.unlink()
        return LocalResult(action="remove", path=str(target))

    def list(self) -> list[HostCertificate]:
        out: list[HostCertificate] = []
        files = [("certs", self.cert_path)] if self.cert_path.exists() else []
        if self.trust_dir.is_dir():
            files += [("trust-certs", p) for p in sorted(self.trust_dir.glob("*.pem"))]
        for location, path in files:
            try:
                cert = load_certificates(path.read_bytes())[0]
            except InvalidFile:
                continue  # the utility does not validate; unreadable files are skipped
            der = cert.public_bytes(serialization.Encoding.DER)
            out.append(HostCertificate(
                name=path.stem, location=location, subject=cert.subject.rfc4514_string(),
                issuer=cert.issuer.rfc4514_string(),
                not_after=cert.not_valid_after_utc.isoformat(),
                fingerprint_sha256=fingerprint(der)))
        return out


def _cn(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


def host_fqdn() -> str:
    """This host's name as the seed's utility uses it: the FQDN when the resolver knows one
    for this host name, else the host name itself — never ``localhost``, which is what
    ``socket.getfqdn()`` returns when /etc/hosts maps the name to a loopback address."""
    host = socket.gethostname().strip() or "localhost"
    if "." in host:
        return host
    fqdn = socket.getfqdn(host)
    if fqdn.lower().startswith(host.lower() + "."):
        return fqdn
    return host


def _host_name(common_name: str | None) -> str:
    from certyard.x509 import check_dns_name

    name = common_name or host_fqdn()
    return check_dns_name(name, field="common_name", wildcard=False)
