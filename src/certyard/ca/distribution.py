"""What the no-login distribution page offers (the seed's certsrv page: "Retrieve the CA
Certificate or Certificate Revocation List", "Install This CA Certification Path"), and the
CA settings service."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from certyard.audit import record_event
from certyard.ca.authority import ca_certificate, ca_chain
from certyard.ca.config import CaSettings, load_settings, update_settings
from certyard.ca.crl import current_crl
from certyard.ca.fips import token_rule_conflict
from certyard.errors import PolicyViolation
from certyard.store import fips_enabled

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["Download", "ca_settings", "configure_ca", "distribution", "token_rule_warning"]


@dataclass(frozen=True, kw_only=True)
class Download:
    path: str  # relative to the public router
    label: str
    media_type: str
    size: int
    sha512: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def distribution(ctx: AppContext) -> tuple[str, list[Download], dict[str, bytes]]:
    """(CA subject, downloads with SHA-512 checksums, their bodies by path)."""
    with ctx.read() as s:
        rows = ca_chain(s)
        certs = [ca_certificate(r) for r in rows]
        subject = rows[0].subject
    root = certs[-1]
    bodies = {
        "ca/root.pem": root.public_bytes(Encoding.PEM),
        "ca/root.crt": root.public_bytes(Encoding.DER),
        "ca/cert.pem": certs[0].public_bytes(Encoding.PEM),
        "ca/cert.crt": certs[0].public_bytes(Encoding.DER),
        "ca/chain.p7b": pkcs7.serialize_certificates(certs, Encoding.DER),
        "ca/chain.pem": b"".join(c.public_bytes(Encoding.PEM) for c in certs),
        "ca/crl": current_crl(ctx),
    }
    labels = {
        "ca/root.pem": ("Root CA certificate (PEM)", "application/x-pem-file"),
        "ca/root.crt": ("Root CA certificate (DER)", "application/pkix-cert"),
        "ca/cert.pem": ("Issuing CA certificate (PEM)", "application/x-pem-file"),
        "ca/cert.crt": ("Issuing CA certificate (DER)", "application/pkix-cert"),
        "ca/chain.p7b": ("CA certification path (PKCS#7)", "application/pkcs7-mime"),
        "ca/chain.pem": ("CA certification path (PEM)", "application/x-pem-file"),
        "ca/crl": ("Certificate revocation list (DER)", "application/pkix-crl"),
    }
    downloads = [Download(path=p, label=labels[p][0], media_type=labels[p][1], size=len(b),
                          sha512=hashlib.sha512(b).hexdigest()) for p, b in bodies.items()]
    return subject, downloads, bodies


def ca_settings(ctx: AppContext) -> CaSettings:
    with ctx.read() as s:
        return load_settings(s)


def configure_ca(ctx: AppContext, *, force: bool = False, **changes: Any) -> CaSettings:
    """Change CA settings (base_url, auto_approve_nodes, allowed_domains, allow_wildcards,
    crl_days, ocsp_hours, ocsp_delegated, fips_require_token); None leaves a value as is.
    Turning delegated OCSP signing on issues the responder certificate at once. Turning
    fips_require_token on while FIPS mode is on and the issuing CA's key is a sealed file
    would stop issuance: refused unless ``force`` (see :func:`token_rule_warning`)."""
    with ctx.transaction() as s:
        if changes.get("fips_require_token") and not force and fips_enabled(s):
            problem = token_rule_conflict(s)
            if problem is not None:
                raise PolicyViolation(f"not changed: {problem}; add --force to set it anyway",
                                      rule="fips_require_token", value=True,
                                      field="fips_require_token")
        result = update_settings(s, now=ctx.clock.now(), **changes)
        if changes.get("ocsp_delegated"):
            from certyard.ca.authority import issuing_ca
            from certyard.ca.ocsp_signer import ensure_ocsp_signer

            ensure_ocsp_signer(ctx, s, issuing_ca(s), now=ctx.clock.now())
        record_event(s, ctx, action="ca.configure", target="ca",
                     details={k: v for k, v in changes.items() if v is not None})
        return result


def token_rule_warning(ctx: AppContext) -> str | None:
    """When ``fips_require_token`` is on but the issuing CA's key is a sealed file: what
    that does to issuance and how to fix it (for ``ca config`` to print), else None."""
    with ctx.read() as s:
        if not load_settings(s).fips_require_token:
            return None
        return token_rule_conflict(s)
