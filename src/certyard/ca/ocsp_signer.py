"""The delegated OCSP responder certificate (RFC 6960 4.2.2.2): when the ``ocsp_delegated``
setting is on, responses are signed by a short-lived certificate the issuing CA gives to
itself with id-kp-OCSPSigning and ocsp-nocheck, so the CA key signs only certificates and
CRLs. It is renewed once a third of its life is left (by the OCSP pre-signing job and when
the setting is turned on); without a valid one, the CA signs.

A responder certificate that was revoked (its ``ca_issued`` row is not ``good``) is never
used again: the revocation itself retires it, issues a successor when delegation is on,
and drops every response it signed so each is signed again (:func:`retire_if_responder`);
and a signer whose row is found revoked is skipped anyway, so the CA signs meanwhile.

Stored as a ``ca_certificate`` row with role ``ocsp-signer`` under its CA, and recorded in
``ca_issued`` like every certificate the CA signs. When the CA key is in a PKCS#11 token,
the responder key is generated in the same token (label ``<CA key label>-ocsp-<hex>``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from certyard.ca.authority import ca_certificate, open_ca_key
from certyard.ca.build import Urls, authority_key_identifier, build_leaf
from certyard.ca.config import load_settings
from certyard.ca.profiles import PROFILES
from certyard.ca.signing import (
    Pkcs11Signer,
    SealedFileSigner,
    Signer,
    generate_token_key,
    seal_token_ref,
)
from certyard.db.models.ca import CaCertificate, CaIssued
from certyard.store import seal_private_key
from certyard.x509 import fingerprint, generate_private_key, random_serial, san_strings

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["delegated_signer", "ensure_ocsp_signer", "retire_if_responder"]

ROLE = "ocsp-signer"
LIFETIME = dt.timedelta(days=30)


def _current(s: Session, ca: CaCertificate) -> CaCertificate | None:
    """The newest active responder certificate of ``ca`` that is not revoked or held."""
    return s.scalar(select(CaCertificate).join(CaIssued, (CaIssued.serial == CaCertificate.serial)
                                              & (CaIssued.issuer_id == ca.id)).where(
        CaCertificate.role == ROLE, CaCertificate.parent_id == ca.id,
        CaCertificate.active.is_(True), CaIssued.status == "good")
        .order_by(CaCertificate.id.desc()).limit(1))


def retire_if_responder(ctx: AppContext, s: Session, issued: CaIssued, *, now: dt.datetime) -> bool:
    """Called in the transaction that revokes (or holds) ``issued``: when it is one of the
    CA's responder certificates, deactivate it, issue a successor (delegation on), and
    drop every stored response of that CA so none signed by it is served again (each is
    signed afresh on its next request or by the pre-signing job). True when it was one."""
    if issued.profile != "ocsp":
        return False
    row = s.scalar(select(CaCertificate).where(
        CaCertificate.role == ROLE, CaCertificate.parent_id == issued.issuer_id,
        CaCertificate.serial == issued.serial))
    if row is None:
        return False
    row.active = False
    ca = s.get(CaCertificate, issued.issuer_id)
    assert ca is not None
    if load_settings(s).ocsp_delegated:
        ensure_ocsp_signer(ctx, s, ca, now=now)
    s.execute(update(CaIssued).where(CaIssued.issuer_id == ca.id,
                                     CaIssued.ocsp_der.is_not(None))
              .values(ocsp_der=None, ocsp_next_update=None, ocsp_signed_at=now)
              .execution_options(synchronize_session=False))
    s.flush()
    return True


def delegated_signer(ctx: AppContext, s: Session, ca: CaCertificate,
                     now: dt.datetime) -> tuple[x509.Certificate, Any] | None:
    """The responder certificate and key to sign with, or None (the CA signs)."""
    if not load_settings(s).ocsp_delegated:
        return None
    row = _current(s, ca)
    if row is None or row.not_after <= now + dt.timedelta(hours=1):
        return None
    return ca_certificate(row), open_ca_key(ctx, s, row)


def _new_key(ca_key: Signer) -> Signer:
    """The responder's key, where the CA's key lives."""
    if isinstance(ca_key, Pkcs11Signer):
        ref = replace(ca_key.ref, key_id=secrets.token_hex(8),
                      key_label=f"{ca_key.ref.key_label or 'certyard-ca'}-ocsp-"
                                f"{secrets.token_hex(4)}")
        return Pkcs11Signer(ref, generate_token_key(ref, key_type="EC", key_size=256))
    return SealedFileSigner(generate_private_key("EC", 256))


def _seal(s: Session, ctx: AppContext, key: Signer, now: dt.datetime) -> int:
    if isinstance(key, Pkcs11Signer):
        return seal_token_ref(s, ctx.master_key, key.ref, key.public_key(), now=now).id
    assert key.private_key is not None
    return seal_private_key(s, ctx.master_key, key.private_key, now=now).id


def ensure_ocsp_signer(ctx: AppContext, s: Session, ca: CaCertificate, *, now: dt.datetime) -> bool:
    """Issue a new responder certificate when there is none or a third of its life is
    left. Returns True when one was issued."""
    row = _current(s, ca)
    if row is not None and row.not_after - now > LIFETIME / 3:
        return False
    issuer = ca_certificate(ca)
    ca_key = open_ca_key(ctx, s, ca)
    key = _new_key(ca_key)
    cn = next((str(a.value) for a in issuer.subject.get_attributes_for_oid(
        NameOID.COMMON_NAME)), "certyard CA")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{cn} OCSP Responder")])
    serial = random_serial()
    cert = build_leaf(profile=PROFILES["ocsp"], subject=subject, sans=[],
                      public_key=key.public_key(), issuer=issuer,
                      aki=authority_key_identifier(issuer), signer=ca_key, serial=serial,
                      not_before=now - dt.timedelta(minutes=5),
                      not_after=min(now + LIFETIME, issuer.not_valid_after_utc),
                      urls=Urls(load_settings(s).url, ca.id))
    der = cert.public_bytes(Encoding.DER)
    if row is not None:
        row.active = False
    s.add(CaIssued(serial=format(serial, "x"), issuer_id=ca.id, request_id=None,
                   profile="ocsp", subject=subject.rfc4514_string(), sans=san_strings([]),
                   not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
                   der=der, status="good", created_at=now))
    s.add(CaCertificate(
        role=ROLE, active=True, parent_id=ca.id, subject=subject.rfc4514_string(),
        serial=format(serial, "x"), fingerprint_sha256=fingerprint(der),
        not_after=cert.not_valid_after_utc, der=der,
        private_key_id=_seal(s, ctx, key, now),
        crl_number=0, created_at=now))
    s.flush()
    return True
