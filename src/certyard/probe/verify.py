"""Validating a certificate chain as a TLS client would, offline, with bounded work.

The path is built and checked by ``cryptography.x509.verification`` (RFC 5280 + the web PKI
profile: SHA-1 signatures and RSA keys under 2048 bits are refused, names are matched on
the SAN). Hostile input is bounded before it reaches the verifier: at most
``MAX_INTERMEDIATES`` untrusted certificates, a chain depth of ``MAX_DEPTH``, and a
pre-flight walk (:func:`certyard.x509.build_path`, at most ``MAX_SIGNATURE_CHECKS``
signature checks) that refuses sets offering too many candidate issuers. When the verifier
refuses a chain, the same bounded walk gives the precise reason (issuer not found,
expired issuer, bad signature).

With ``strict`` (what ``certyard cert verify`` uses), the validated path must also pass
certyard's own RFC 5280 / web-PKI checks (:mod:`certyard.x509.strict`: key identifiers, CA
as leaf, EKU, Common Name among the SANs, key types) and, when CRLs are given, the
revocation check of every certificate below the anchor. Times are compared at the
granularity of their encoding (whole seconds).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509 import verification as xv

from certyard.errors import InvalidInput, UntrustedChain
from certyard.x509 import build_path
from certyard.x509.strict import Finding, path_findings

__all__ = ["MAX_DEPTH", "MAX_INTERMEDIATES", "VerifyResult", "verify_chain"]

MAX_INTERMEDIATES = 64
MAX_DEPTH = 8
MAX_SIGNATURE_CHECKS = 64
MAX_SAME_SUBJECT = 8  # candidates sharing one subject before the set is called hostile
MAX_NAME_CONSTRAINTS = 256
MAX_NAME_CHECKS = 65_536  # names in the leaf x constraints on the path


@dataclass(frozen=True, kw_only=True)
class VerifyResult:
    """Outcome of a validation: the built path (leaf first) or the reason it failed."""

    valid: bool
    path: list[dict[str, str]] = field(default_factory=list)
    reason: str | None = None
    code: str | None = None
    hostname: str | None = None
    at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "path": self.path, "reason": self.reason,
                "code": self.code, "hostname": self.hostname,
                "at": self.at.isoformat() if self.at else None}


def _describe(cert: x509.Certificate) -> dict[str, str]:
    return {"subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "sha256": cert.fingerprint(SHA256()).hex()}


def _subject_for(hostname: str) -> x509.verification.Subject:  # type: ignore[name-defined]
    try:
        return x509.IPAddress(ipaddress.ip_address(hostname))
    except ValueError:
        return x509.DNSName(hostname)


def _leaf_names(leaf: x509.Certificate) -> int:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except Exception:  # absent or malformed: the verifier judges it
        return len(leaf.subject)
    return len(list(san)) + len(leaf.subject)


def _preflight(leaf: x509.Certificate, intermediates: list[x509.Certificate],
               anchors: list[x509.Certificate]) -> None:
    """Refuse inputs whose size alone could make validation expensive."""
    if len(intermediates) > MAX_INTERMEDIATES:
        raise UntrustedChain(f"the chain has {len(intermediates)} extra certificates; at most "
                             f"{MAX_INTERMEDIATES} are examined (hostile or broken chain)",
                             reason="work_limit")
    per_subject = Counter(c.subject.public_bytes() for c in intermediates)
    if per_subject and max(per_subject.values()) > MAX_SAME_SUBJECT:
        raise UntrustedChain(f"{max(per_subject.values())} certificates share one subject; at "
                             f"most {MAX_SAME_SUBJECT} candidate issuers per name are tried "
                             "(hostile chain)", reason="work_limit")
    total = 0
    for c in [leaf, *intermediates, *anchors]:
        try:
            nc = c.extensions.get_extension_for_class(x509.NameConstraints).value
        except Exception:  # noqa: S112 — absent, duplicate or malformed: nothing to bound
            continue
        size = len(nc.permitted_subtrees or []) + len(nc.excluded_subtrees or [])
        if size > MAX_NAME_CONSTRAINTS:
            raise UntrustedChain(f"a certificate carries {size} name constraints; at most "
                                 f"{MAX_NAME_CONSTRAINTS} are evaluated (hostile chain)",
                                 reason="work_limit")
        total += size
    if total and total * _leaf_names(leaf) > MAX_NAME_CHECKS:
        raise UntrustedChain(f"checking {_leaf_names(leaf)} names against {total} name "
                             f"constraints exceeds {MAX_NAME_CHECKS} comparisons (hostile "
                             "chain)", reason="work_limit")


def verify_chain(
    leaf: x509.Certificate, *, intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate], at: dt.datetime, hostname: str | None = None,
    purpose: str = "server", max_depth: int | None = None, strict: bool = False,
    crls: list[x509.CertificateRevocationList] | None = None,
) -> VerifyResult:
    """Validate ``leaf`` (+ untrusted ``intermediates``) against ``anchors`` at ``at``.

    ``max_depth`` bounds the number of intermediates (0: the leaf is issued by an anchor)."""
    if max_depth is not None and not 0 <= max_depth <= MAX_DEPTH:
        raise InvalidInput(f"--max-depth must be between 0 and {MAX_DEPTH}", field="max_depth")
    depth = MAX_DEPTH if max_depth is None else max_depth
    # Validity is encoded to the second; compare at that granularity (x509-limbo's
    # notafter-fractional case).
    at = at.replace(microsecond=0)
    if purpose not in ("server", "client"):
        raise InvalidInput(f"purpose {purpose!r} must be server or client", field="purpose")
    if purpose == "server" and not hostname:
        raise InvalidInput("a server certificate is validated for a host name: give "
                           "--hostname", field="hostname")
    if not anchors:
        raise InvalidInput("no trusted certificates to validate against", field="trusted")
    base: dict[str, Any] = {"hostname": hostname, "at": at}
    try:
        _preflight(leaf, intermediates, anchors)
        # The bounded walk first: it cannot hang, and it proves a path is at least
        # plausible before the full verifier runs.
        build_path(leaf, intermediates=intermediates, anchors=anchors, at=at,
                   max_depth=MAX_DEPTH, max_signature_checks=MAX_SIGNATURE_CHECKS)
    except UntrustedChain as exc:
        return VerifyResult(valid=False, reason=exc.message, code=exc.reason, **base)
    if not (leaf.not_valid_before_utc <= at <= leaf.not_valid_after_utc):
        word = "expired" if at > leaf.not_valid_after_utc else "not yet valid"
        return VerifyResult(valid=False, code="leaf_validity", **base,
                            reason=f"the certificate is {word} at {at.isoformat()} (valid "
                                   f"{leaf.not_valid_before_utc.isoformat()} to "
                                   f"{leaf.not_valid_after_utc.isoformat()})")
    if strict and not any(leaf == a for a in anchors):
        try:
            bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
        except Exception:  # absent or malformed: the verifier judges it
            bc = None
        if bc is not None and bc.ca:
            return VerifyResult(valid=False, code="ca_as_leaf", **base,
                                reason=f"'{leaf.subject.rfc4514_string()}' is a CA "
                                       "certificate, not an end-entity certificate")
    builder = (xv.PolicyBuilder().store(xv.Store(anchors)).time(at)
               .max_chain_depth(depth))
    try:
        if purpose == "server":
            try:
                verifier = builder.build_server_verifier(_subject_for(str(hostname)))
            except ValueError:
                raise InvalidInput(f"--hostname {hostname!r} is not a valid DNS name or IP "
                                   "address", field="hostname") from None
            chain = verifier.verify(leaf, intermediates)
        else:
            client = builder.build_client_verifier()
            chain = client.verify(leaf, intermediates).chain
    except xv.VerificationError as exc:
        return VerifyResult(valid=False, reason=str(exc), code="verification", **base)
    except ValueError as exc:  # malformed extensions met while verifying
        return VerifyResult(valid=False, reason=f"malformed certificate: {exc}",
                            code="malformed_extensions", **base)
    if strict:
        findings = path_findings(chain)
        if crls:
            findings.extend(crl_findings(chain, crls, at))
        if findings:
            return VerifyResult(valid=False, reason=findings[0].message,
                                code=findings[0].code, path=[_describe(c) for c in chain],
                                **base)
    weak = _weakness(chain)
    if weak:
        return VerifyResult(valid=False, reason=weak, code="weak_algorithm",
                            path=[_describe(c) for c in chain], **base)
    return VerifyResult(valid=True, path=[_describe(c) for c in chain], **base)


def _weakness(chain: list[x509.Certificate]) -> str | None:
    """What current TLS clients (OpenSSL security level 2, browsers) refuse and the
    verifier lets through: SHA-1/MD5 signatures below the anchor, RSA/DSA keys < 2048 bits,
    EC keys < 256 bits."""
    for i, c in enumerate(chain):
        name = c.subject.rfc4514_string()
        is_anchor = i == len(chain) - 1
        algo = c.signature_hash_algorithm
        if not is_anchor and algo is not None and algo.name in ("sha1", "md5"):
            return f"'{name}' is signed with {algo.name.upper()}, which TLS clients refuse"
        key = c.public_key()
        size = getattr(key, "key_size", None)
        if isinstance(key, ec.EllipticCurvePublicKey):
            if key.curve.key_size < 256:
                return f"'{name}' has a {key.curve.key_size}-bit EC key (minimum 256)"
        elif size is not None and size < 2048:
            return f"'{name}' has a {size}-bit {type(key).__name__[:3]} key (minimum 2048)"
    return None


def crl_findings(chain: list[x509.Certificate], crls: list[x509.CertificateRevocationList],
                 at: dt.datetime) -> list[Finding]:
    """Revocation of every certificate below the anchor against the CRLs given: a CRL counts
    only when its issuer's key signed it, the issuer may sign CRLs (keyUsage cRLSign when
    keyUsage is present), and it carries a non-critical CRL number (RFC 5280 5.2.3)."""
    out: list[Finding] = []
    for cert, issuer in itertools.pairwise(chain):
        for crl in crls:
            if crl.issuer != issuer.subject:
                continue
            try:
                if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                    continue
            except Exception:  # noqa: S112 — a key type that cannot sign CRLs: not its CRL
                continue
            who = issuer.subject.rfc4514_string()
            try:
                ku = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
                if not ku.crl_sign:
                    out.append(Finding("crl_issuer_cannot_sign",
                                       f"'{who}' signed a CRL without the cRLSign key usage"))
                    continue
            except x509.ExtensionNotFound:
                pass
            try:
                number = crl.extensions.get_extension_for_class(x509.CRLNumber)
            except x509.ExtensionNotFound:
                out.append(Finding("crl_malformed", f"the CRL of '{who}' has no CRL number"))
                continue
            except Exception:
                out.append(Finding("crl_malformed", f"the CRL of '{who}' cannot be parsed"))
                continue
            if number.critical:
                out.append(Finding("crl_malformed",
                                   f"the CRL of '{who}' marks its CRL number critical"))
                continue
            revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if revoked is not None and revoked.revocation_date_utc <= at:
                out.append(Finding("revoked", f"'{cert.subject.rfc4514_string()}' is revoked "
                                              f"(since {revoked.revocation_date_utc})"))
    return out
