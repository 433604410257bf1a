"""Uploading trust certificates and signed application certificates (seed "Upload Trust
Certificate", "Upload Application Certificate", "Third-Party CA Certificates")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.db.models import Node, StoreEntry
from certyard.errors import (
    CertificateNotValidNow,
    InvalidCertificateFile,
    InvalidInput,
    KeyMismatch,
    PolicyViolation,
    WeakAlgorithm,
)
from certyard.store.entries import EntryView, entry_view
from certyard.store.generate import fips_enabled, resolve_node
from certyard.store.keystore import release_keys
from certyard.store.purposes import PurposeSpec, get_purpose, purpose_from_trust_store
from certyard.store.upload_hooks import Deferral, run_upload_hooks
from certyard.store.writes import put_entry, trust_fingerprints
from certyard.x509 import (
    build_path,
    certificate_facts,
    key_description,
    load_certificates,
    public_sha256,
)

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["UploadResult", "upload_identity_certificate", "upload_trust_certificates"]


@dataclass(frozen=True, kw_only=True)
class UploadResult:
    added: list[EntryView] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    trust_added: list[EntryView] = field(default_factory=list)
    restart_services: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [e.to_dict() for e in self.added],
            "duplicates": self.duplicates,
            "trust_added": [e.to_dict() for e in self.trust_added],
            "restart_services": self.restart_services,
            "warnings": self.warnings,
            "nodes": self.nodes,
        }


def _check_validity(cert: x509.Certificate, now: Any, what: str) -> None:
    if cert.not_valid_after_utc < now:
        raise CertificateNotValidNow(
            f"{what} '{cert.subject.rfc4514_string()}' expired on "
            f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    if cert.not_valid_before_utc > now:
        raise CertificateNotValidNow(
            f"{what} '{cert.subject.rfc4514_string()}' is not valid before "
            f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")


def _weak_signature_warnings(cert: x509.Certificate) -> list[str]:
    algo = cert.signature_hash_algorithm
    if algo is not None and algo.name in ("sha1", "md5"):
        return [f"'{cert.subject.rfc4514_string()}' is signed with {algo.name.upper()}, "
                "which modern clients reject"]
    return []


def upload_trust_certificates(
    ctx: AppContext, trust_store: str, data: bytes, *, description: str = "",
    after: Deferral | None = None,
) -> UploadResult:
    """Add one or many CA certificates (PEM, DER, PKCS#7) to PURPOSE-trust. Trust
    certificates go to every node; a certificate already in the store is reported, not
    stored twice. ``after``: run the upload hooks (certyard.store.upload_hooks) with it."""
    with ctx.read() as s:
        purpose_from_trust_store(s, trust_store)  # name the store before judging the file
    certs = load_certificates(data, limit=ctx.settings.max_upload_bytes)
    description = " ".join(description.split())[:500]
    now = ctx.clock.now()
    with ctx.transaction() as s:
        spec = purpose_from_trust_store(s, trust_store)
        fips = fips_enabled(s)
        present = trust_fingerprints(s, spec.name)
        added: list[EntryView] = []
        duplicates: list[str] = []
        warnings: list[str] = []
        for cert in certs:
            facts = certificate_facts(cert)
            if facts.fingerprint_sha256 in present:
                duplicates.append(f"{facts.subject} (SHA-256 {facts.fingerprint_sha256[:16]}…)")
                continue
            _check_validity(cert, now, "certificate")
            if facts.key_type == "RSA" and facts.key_size < 2048:
                if fips:
                    raise WeakAlgorithm(f"'{facts.subject}' has an RSA-{facts.key_size} key, "
                                        "not allowed in FIPS mode")
                warnings.append(f"'{facts.subject}' has a weak RSA-{facts.key_size} key")
            warnings += _weak_signature_warnings(cert)
            row, _ = put_entry(s, type="trust", purpose=spec.name, node_id=None,
                               distribution="all", facts=facts, now=now,
                               description=description)
            present.add(facts.fingerprint_sha256)
            added.append(entry_view(row, None))
        record_event(s, ctx, action="certificate.upload_trust", target=spec.trust_store,
                     details={"added": [a.fingerprint_sha256 for a in added],
                              "duplicates": len(duplicates)})
        nodes = list(s.scalars(select(Node.name).order_by(Node.name)))
    result = UploadResult(added=added, duplicates=duplicates, warnings=warnings, nodes=nodes)
    if after is not None:
        run_upload_hooks(ctx, result, trust=True, after=after)
    return result


def _find_key_owner(
    s: Session, spec: PurposeSpec, node: Node, certs: list[x509.Certificate]
) -> tuple[x509.Certificate, StoreEntry]:
    """The certificate in the file whose public key is that of the node's pending CSR or
    current identity for the purpose, and the entry that holds that key."""
    candidates = list(s.scalars(select(StoreEntry).where(
        StoreEntry.purpose == spec.name, StoreEntry.node_id == node.id,
        StoreEntry.type.in_(("csr", "identity")),
        StoreEntry.private_key_id.is_not(None)).order_by(StoreEntry.type)))  # csr first
    by_key = {c.public_sha256: c for c in reversed(candidates)}
    for cert in certs:
        owner = by_key.get(public_sha256(cert.public_key()))
        if owner is not None:
            return cert, owner
    if not candidates:
        raise KeyMismatch(f"{spec.name} on {node.name} has no CSR or key to match; generate a "
                          "CSR first")
    raise KeyMismatch(
        f"no certificate in the file matches the private key of the {spec.name} CSR or "
        f"current certificate on {node.name}")


_EKU_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH: "TLS Web Server Authentication",
    ExtendedKeyUsageOID.CLIENT_AUTH: "TLS Web Client Authentication",
}
_KU_NAMES = ("digital_signature", "key_encipherment", "data_encipherment", "key_agreement")


def _ext_value(obj: x509.Certificate | x509.CertificateSigningRequest, cls: type) -> Any:
    try:
        return obj.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None
    except Exception:  # malformed extensions
        raise InvalidCertificateFile("the certificate's extensions cannot be parsed") from None


def _check_usages(cert: x509.Certificate, owner: StoreEntry) -> list[str]:
    """Seed 003: the key usage and extended key usage of the issued certificate must match
    the request in the CSR — a tomcat certificate without TLS Web Client Authentication
    breaks server-to-server TLS. A missing extended key usage is refused; a missing key
    usage bit is a warning (CAs commonly drop keyAgreement or dataEncipherment)."""
    if owner.type != "csr":
        return []
    csr = x509.load_der_x509_csr(owner.der)
    asked_eku = _ext_value(csr, x509.ExtendedKeyUsage)
    got_eku = _ext_value(cert, x509.ExtendedKeyUsage)
    if asked_eku is not None and got_eku is not None:
        missing = [oid for oid in asked_eku if oid not in list(got_eku)
                   and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in list(got_eku)]
        if missing:
            names = ", ".join(_EKU_NAMES.get(o, o.dotted_string) for o in missing)
            raise PolicyViolation(
                f"the certificate lacks the extended key usage the CSR asked for: {names}; "
                "have the CA issue it with a template for both TLS Web Server and Client "
                "Authentication", rule="usage_mismatch", value=names)
    asked_ku = _ext_value(csr, x509.KeyUsage)
    got_ku = _ext_value(cert, x509.KeyUsage)
    if asked_ku is None or got_ku is None:
        return []
    lost = [k.replace("_", " ") for k in _KU_NAMES
            if getattr(asked_ku, k) and not getattr(got_ku, k)]
    if lost:
        return [f"the certificate lacks key usage the CSR asked for: {', '.join(lost)}"]
    return []


def upload_identity_certificate(
    ctx: AppContext, purpose: str, data: bytes, *, node: str | None = None, description: str = "",
    chain_description: str = "Intermediate from an uploaded chain",
    after: Deferral | None = None,
) -> UploadResult:
    """Install a CA-signed application certificate (PEM, DER or PKCS#7 chain).
    ``chain_description`` describes intermediates the chain adds to the trust store.

    Order of checks (each failure leaves the store unchanged): the file parses; one
    certificate matches the key of the purpose's pending CSR or current certificate; it is
    valid now; its key fits the purpose; it chains to a certificate already in
    PURPOSE-trust (intermediates from the file may complete the path and are then added to
    the trust store). A multi-server certificate goes, with its key, to every node.
    """
    certs = load_certificates(data, limit=ctx.settings.max_upload_bytes)
    description = " ".join(description.split())[:500]
    now = ctx.clock.now()
    with ctx.transaction() as s:
        spec = get_purpose(s, purpose)
        n = resolve_node(s, node)
        leaf, owner = _find_key_owner(s, spec, n, certs)
        _check_validity(leaf, now, "certificate")
        usage_warnings = _check_usages(leaf, owner)
        key_type, key_size = key_description(leaf.public_key())
        if key_type != spec.key_type or key_size not in spec.key_lengths:
            raise InvalidInput(f"a {key_type}-{key_size} key does not fit {spec.name} "
                               f"({spec.key_type} {'/'.join(map(str, spec.key_lengths))})")
        anchors_rows = s.scalars(select(StoreEntry.der).where(
            StoreEntry.type == "trust", StoreEntry.purpose == spec.name))
        anchors = [x509.load_der_x509_certificate(d) for d in anchors_rows]
        others = [c for c in certs if c is not leaf]
        path = build_path(leaf, intermediates=others, anchors=anchors, at=now)
        warnings = _weak_signature_warnings(leaf)
        if fips_enabled(s) and warnings:
            raise WeakAlgorithm("SHA-1 signed certificates are not allowed in FIPS mode")
        warnings = [*warnings, *usage_warnings]

        facts = certificate_facts(leaf)
        distribution = owner.distribution if owner.type == "csr" else "single"
        if distribution == "multi-server":
            targets = list(s.scalars(select(Node).order_by(Node.name)))
        else:
            targets = [n]
        replaced: set[int | None] = set()
        added: list[EntryView] = []
        for target in targets:
            row, old = put_entry(s, type="identity", purpose=spec.name, node_id=target.id,
                                 distribution=distribution, facts=facts, now=now,
                                 private_key_id=owner.private_key_id,
                                 description=description or f"Signed by {facts.issuer}")
            if old is not None:
                replaced.add(old.private_key_id)
            added.append(entry_view(row, target.name))
        # Intermediates that completed the path join the trust store (not the anchor,
        # which is there already, nor the leaf).
        present = trust_fingerprints(s, spec.name)
        trust_added: list[EntryView] = []
        for cert in path[1:]:
            f = certificate_facts(cert)
            if f.fingerprint_sha256 in present:
                continue
            row, _ = put_entry(s, type="trust", purpose=spec.name, node_id=None,
                               distribution="all", facts=f, now=now,
                               description=chain_description)
            present.add(f.fingerprint_sha256)
            trust_added.append(entry_view(row, None))
        release_keys(s, replaced)
        record_event(s, ctx, action="certificate.upload", target=f"{spec.name} on {n.name}",
                     details={"fingerprint": facts.fingerprint_sha256,
                              "distribution": distribution,
                              "nodes": [t.name for t in targets]})
    result = UploadResult(added=added, trust_added=trust_added,
                          restart_services=list(spec.services), warnings=warnings,
                          nodes=[t.name for t in targets])
    if after is not None:
        run_upload_hooks(ctx, result, trust=False, after=after)
    return result
