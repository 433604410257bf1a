"""The TLS endpoint check (seed 003 "Certificate Validation During TLS Handshake"; seed 002
"ensure all the interfaces … use the configured minimum TLS version").

:func:`check_endpoint` is pure (no database): it connects, takes the presented chain,
validates it with :func:`certyard.probe.verify.verify_chain`, enumerates the accepted TLS
versions and raises flags. :func:`check_endpoints` runs many checks concurrently with a
bound on the number in flight.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

from certyard.errors import UntrustedChain
from certyard.probe.tlsclient import parse_target, versions_accepted
from certyard.probe.verify import VerifyResult, verify_chain
from certyard.x509 import build_path

__all__ = ["FLAGS", "ProbeReport", "check_endpoint", "check_endpoints"]

FLAGS = ("unreachable", "expired", "not_yet_valid", "untrusted_issuer", "name_mismatch",
         "weak_key", "sha1_signature", "missing_intermediate", "version_below_minimum",
         "revoked")
# (leaf, issuer or None) -> (status good|revoked|unknown|error, detail); the monitor's check.
RevocationCheck = Callable[[x509.Certificate, "x509.Certificate | None"], tuple[str, str]]
_ORDER = ("1.0", "1.1", "1.2", "1.3")


@dataclass(frozen=True, kw_only=True)
class ProbeReport:
    target: str
    hostname: str | None
    checked_at: dt.datetime
    version: str | None = None
    cipher: str | None = None
    versions: list[str] = field(default_factory=list)
    chain: list[dict[str, str]] = field(default_factory=list)
    validation: VerifyResult | None = None
    flags: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.flags

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "hostname": self.hostname,
                "checked_at": self.checked_at.isoformat(), "ok": self.ok,
                "version": self.version, "cipher": self.cipher, "versions": self.versions,
                "chain": self.chain, "flags": self.flags, "details": self.details,
                "validation": self.validation.to_dict() if self.validation else None,
                "error": self.error}


def _weak_key(cert: x509.Certificate) -> str | None:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        return f"RSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < 256:
        return f"EC-{key.curve.key_size}"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA-{key.key_size}"
    return None


def _name_matches(cert: x509.Certificate, hostname: str) -> bool:
    """SAN only, as current TLS clients do (RFC 6125; no CN fallback)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        ip = ipaddress.ip_address(hostname)
        return ip in san.get_values_for_type(x509.IPAddress)
    except ValueError:
        pass
    host = hostname.lower().rstrip(".")
    for name in san.get_values_for_type(x509.DNSName):
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def _is_complete(chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate]) -> bool:
    """True when the presented chain reaches a self-issued certificate or a trust anchor's
    subject; otherwise an intermediate is missing."""
    top = chain[-1]
    anchor_subjects = {a.subject.public_bytes() for a in anchors}
    return (top.issuer == top.subject or top.issuer.public_bytes() in anchor_subjects
            or top.subject.public_bytes() in anchor_subjects)


def _chain_findings(chain: list[x509.Certificate], *, anchors: Sequence[x509.Certificate],
                    pool: Sequence[x509.Certificate], hostname: str | None,
                    now: dt.datetime) -> tuple[VerifyResult, list[str], dict[str, str]]:
    """Everything judged from the chain alone: the validation and the chain flags."""
    result = verify_chain(chain[0], intermediates=[*chain[1:], *pool],
                          anchors=list(anchors), at=now, hostname=hostname)
    flags, details = _flags(chain, anchors=anchors, pool=pool, hostname=hostname, now=now)
    return result, flags, details


def _version_flags(versions: list[str], min_version: str) -> dict[str, str]:
    below = [v for v in versions if _ORDER.index(v) < _ORDER.index(min_version)]
    if not below:
        return {}
    return {"version_below_minimum": f"accepts TLS {', '.join(below)} (minimum "
                                     f"{min_version})"}


def _flags(chain: list[x509.Certificate], *, anchors: Sequence[x509.Certificate],
           pool: Sequence[x509.Certificate], hostname: str | None,
           now: dt.datetime) -> tuple[list[str], dict[str, str]]:
    flags: list[str] = []
    details: dict[str, str] = {}
    leaf = chain[0]
    if now > leaf.not_valid_after_utc:
        flags.append("expired")
        details["expired"] = f"expired {leaf.not_valid_after_utc.isoformat()}"
    if now < leaf.not_valid_before_utc:
        flags.append("not_yet_valid")
        details["not_yet_valid"] = f"valid from {leaf.not_valid_before_utc.isoformat()}"
    try:
        build_path(leaf, intermediates=[*chain[1:], *pool], anchors=anchors, at=now)
    except UntrustedChain as exc:
        if exc.reason == "issuer_not_valid_now":
            # A path exists but an issuer is out of its validity: an expiry finding.
            if "expired" not in flags:
                flags.append("expired")
            details["expired"] = exc.message
        else:
            flags.append("untrusted_issuer")
            details["untrusted_issuer"] = exc.message
    if hostname and not _name_matches(leaf, hostname):
        flags.append("name_mismatch")
        details["name_mismatch"] = f"no subjectAltName matches {hostname}"
    weak = [w for c in chain if (w := _weak_key(c))]
    if weak:
        flags.append("weak_key")
        details["weak_key"] = ", ".join(weak)
    sha1 = [c.subject.rfc4514_string() for c in chain
            if c.issuer != c.subject and c.signature_hash_algorithm is not None
            and c.signature_hash_algorithm.name in ("sha1", "md5")]
    if sha1:
        flags.append("sha1_signature")
        details["sha1_signature"] = "; ".join(sha1)
    if not _is_complete(chain, anchors):
        flags.append("missing_intermediate")
        details["missing_intermediate"] = (f"the server does not send the issuer of "
                                           f"'{chain[-1].subject.rfc4514_string()}'")
    return flags, details


def _describe(c: x509.Certificate) -> dict[str, str]:
    return {"subject": c.subject.rfc4514_string(), "issuer": c.issuer.rfc4514_string(),
            "not_after": c.not_valid_after_utc.isoformat()}


def check_endpoint(
    target: str, *, anchors: Sequence[x509.Certificate], now: dt.datetime,
    min_version: str = "1.2", sni: str | None = None, starttls: str | None = None,
    pool: Sequence[x509.Certificate] = (), timeout: float = 5.0,
    revocation: RevocationCheck | None = None, memo: dict[Any, Any] | None = None,
) -> ProbeReport:
    """Probe one HOST:PORT. Never raises for what the endpoint does; reports it."""
    host, port = parse_target(target)
    hostname = sni or host
    try:
        ipaddress.ip_address(host)
        server_name = sni
    except ValueError:
        server_name = sni or host
    base: dict[str, Any] = {"target": target, "hostname": hostname, "checked_at": now}
    try:
        versions, hs = versions_accepted(host, port, sni=server_name, starttls=starttls,
                                         timeout=timeout)
    except (OSError, ssl.SSLError, ConnectionError, ValueError) as exc:
        return ProbeReport(**base, flags=["unreachable"], error=f"{type(exc).__name__}: {exc}")
    assert hs is not None  # versions_accepted raises when no version completed
    if not hs.chain:
        return ProbeReport(**base, version=hs.version, cipher=hs.cipher, versions=versions,
                           flags=["unreachable"], error="the server presented no certificate")
    # Many endpoints present the same chain (one certificate on several ports or
    # nodes): within one batch it is judged once. anchors/pool/now are fixed per batch.
    key = (tuple(hs.chain), hostname)
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = _chain_findings(hs.chain, anchors=anchors, pool=pool, hostname=hostname,
                                now=now)
        if memo is not None and len(memo) < 10_000:
            memo[key] = found
    result, chain_flags, chain_details = found
    versions_found = _version_flags(versions, min_version)
    flags = [*chain_flags, *versions_found]
    details = {**chain_details, **versions_found}
    if revocation is not None:
        leaf = hs.chain[0]
        issuer = next((c for c in [*hs.chain[1:], *pool, *anchors]
                       if c.subject == leaf.issuer), None)
        status, detail = revocation(leaf, issuer)
        details["revocation"] = f"{status}: {detail}" if detail else status
        if status == "revoked":
            flags.append("revoked")
            details["revoked"] = detail or "revoked"
    return ProbeReport(**base, version=hs.version, cipher=hs.cipher, versions=versions,
                       chain=[_describe(c) for c in hs.chain], validation=result,
                       flags=flags, details=details)


def check_endpoints(
    targets: Sequence[str], *, anchors: Sequence[x509.Certificate], now: dt.datetime,
    min_version: str = "1.2", concurrency: int = 64, timeout: float = 5.0,
    pool: Sequence[x509.Certificate] = (),
) -> list[ProbeReport]:
    """Probe many endpoints, at most ``concurrency`` at a time, results in input order.
    Handshakes wait on the network with the GIL released, so threads overlap them."""
    workers = max(1, min(int(concurrency), 256, len(targets) or 1))
    memo: dict[Any, Any] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as ex:
        return list(ex.map(lambda t: check_endpoint(
            t, anchors=anchors, now=now, min_version=min_version, pool=pool,
            timeout=timeout, memo=memo), targets))
