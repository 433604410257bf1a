"""Revocation (RFC 8555 7.6) by the account that ordered the certificate or by the
certificate's own key, into the CA's CRL and OCSP; and ACME Renewal Information
(RFC 9773): a suggested renewal window per certificate."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.acme.jose import Urls, Verified, b64decode, b64encode, import_jwk
from certyard.acme.problems import AcmeProblem
from certyard.acme.protocol import Reply
from certyard.audit import record_event
from certyard.db.models.acme import AcmeOrder, AcmeProfile
from certyard.db.models.ca import CaCertificate, CaIssued

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ARI_RETRY_AFTER", "renewal_info", "revoke_cert"]

# RFC 5280 reason codes a subscriber may give (not cACompromise, certificateHold,
# removeFromCRL, aACompromise).
_REASONS = {0: "unspecified", 1: "keyCompromise", 3: "affiliationChanged", 4: "superseded",
            5: "cessationOfOperation", 9: "privilegeWithdrawn"}
ARI_RETRY_AFTER = 6 * 3600


def _spki(key: Any) -> bytes:
    return bytes(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def revoke_cert(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified) -> Reply:
    payload = v.json()
    der = b64decode(payload.get("certificate"), "certificate")
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise AcmeProblem("malformed", "the certificate cannot be read (base64url DER)") \
            from None
    reason = payload.get("reason", 0)
    if not isinstance(reason, int) or isinstance(reason, bool) or reason not in _REASONS:
        raise AcmeProblem("badRevocationReason", "reason must be one of "
                          f"{', '.join(str(r) for r in _REASONS)} (RFC 5280)")
    serial = format(cert.serial_number, "x")
    row = s.scalar(select(CaIssued).where(CaIssued.serial == serial))
    if row is None or row.der != der:
        raise AcmeProblem("malformed", "this CA did not issue that certificate")
    if v.account is not None:
        owner = s.scalar(select(AcmeOrder.id).where(AcmeOrder.serial == serial,
                                                    AcmeOrder.account_id == v.account.id))
        if owner is None:
            raise AcmeProblem("unauthorized", "the account did not order this certificate")
        who = f"acme account {v.account.rid}"
    else:
        if _spki(import_jwk(v.jwk).raw_value) != _spki(cert.public_key()):
            raise AcmeProblem("unauthorized", "the JWS key is not the certificate's key")
        who = "the certificate's key"
    if row.status == "revoked":
        raise AcmeProblem("alreadyRevoked", "the certificate is already revoked")
    name = _REASONS[reason]
    record_event(s, ctx, action="acme.revoke", target=serial,
                 details={"by": who, "reason": name, "profile": prof.name})

    def _after() -> Reply:
        from certyard import ca
        from certyard.errors import Conflict

        try:
            ca.revoke_certificate(ctx, serial, reason=name)
        except Conflict:
            raise AcmeProblem("alreadyRevoked", "the certificate is already revoked") \
                from None
        return Reply(status=200, body=b"", content_type="text/plain")

    return Reply(after=_after)


def cert_id(cert: x509.Certificate) -> str:
    """RFC 9773 4.1: base64url(AKI keyIdentifier) "." base64url(serial DER content)."""
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    n = cert.serial_number
    raw = n.to_bytes((n.bit_length() + 8) // 8, "big")
    return f"{b64encode(aki.key_identifier or b'')}.{b64encode(raw)}"


def renewal_info(ctx: AppContext, urls: Urls, ident: str) -> tuple[dict[str, Any], int]:
    """The suggested window: the middle of the last third of the lifetime; now, for a
    revoked certificate."""
    aki_text, dot, serial_text = ident.partition(".")
    if not dot:
        raise AcmeProblem("malformed", "the certificate identifier is AKI.serial")
    aki = b64decode(aki_text, "key identifier")
    raw = b64decode(serial_text, "serial")
    if not raw or raw[0] & 0x80:
        raise AcmeProblem("malformed", "the serial must be a positive DER integer")
    serial = format(int.from_bytes(raw, "big"), "x")
    with ctx.read() as s:
        row = s.scalar(select(CaIssued).where(CaIssued.serial == serial))
        issuer = s.get(CaCertificate, row.issuer_id) if row else None
        if row is None or issuer is None:
            raise AcmeProblem("malformed", "this CA did not issue that certificate")
        try:
            ski = x509.load_der_x509_certificate(issuer.der).extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier).value.digest
        except x509.ExtensionNotFound:
            ski = b""
        if ski != aki:
            raise AcmeProblem("malformed", "this CA did not issue that certificate")
        nb, na, status = row.not_before, row.not_after, row.status
    now = ctx.clock.now()
    if status != "good":
        start, end = now - dt.timedelta(hours=1), now
    else:
        life = na - nb
        start, end = na - life / 3, na - life / 6
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return ({"suggestedWindow": {"start": start.strftime(fmt), "end": end.strftime(fmt)}},
            ARI_RETRY_AFTER)

