"""Revocation and CRLs.

A full CRL per CA is regenerated in the transaction of every revocation and again before
nextUpdate. The CRL number lives on the CA row, which is locked (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers) so it only ever increases, across restarts and
replicas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.ca.authority import ca_certificate, issuing_ca, open_ca_key
from certyard.ca.build import authority_key_identifier
from certyard.ca.config import load_settings
from certyard.ca.crl_encode import entry_der_from_row, reason_extension_der, sign_crl_with_entries
from certyard.db.models.ca import CaCertificate, CaIssued
from certyard.errors import Conflict, InvalidInput, NotFound, NotInitialised

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["REASONS", "RevocationView", "base_due", "current_crl", "generate_crl", "parse_serial",
           "refresh_crls", "regenerate_crl", "release_hold", "revoke_certificate"]

# RFC 5280 5.3.1 reason codes by their names (removeFromCRL is not a revocation reason).
REASONS: dict[str, x509.ReasonFlags] = {
    "unspecified": x509.ReasonFlags.unspecified,
    "keyCompromise": x509.ReasonFlags.key_compromise,
    "cACompromise": x509.ReasonFlags.ca_compromise,
    "affiliationChanged": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessationOfOperation": x509.ReasonFlags.cessation_of_operation,
    "certificateHold": x509.ReasonFlags.certificate_hold,
    "privilegeWithdrawn": x509.ReasonFlags.privilege_withdrawn,
    "aACompromise": x509.ReasonFlags.aa_compromise,
}
_REASON_EXTENSIONS: dict[str, bytes] = {
    name: reason_extension_der(flag) for name, flag in REASONS.items()} | {
    "removeFromCRL": reason_extension_der(x509.ReasonFlags.remove_from_crl)}  # deltas only
# Encoded CRL entries per CA (by certificate fingerprint), reused when the CRL is signed
# again after the next revocation: only new entries cost anything.
_ENTRIES: dict[bytes, dict[tuple[str, Any, str | None], bytes]] = {}
_ENTRIES_MAX = 1_000_000
_BY_LOWER = {k.lower(): k for k in REASONS} | {
    v.value.lower(): k for k, v in REASONS.items()}


@dataclass(frozen=True, kw_only=True)
class RevocationView:
    serial: str
    subject: str
    status: str
    reason: str | None
    revoked_at: str | None
    crl_number: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_serial(text: str) -> str:
    """A serial in hex (colons, spaces and a 0x prefix allowed) as lower-case hex."""
    cleaned = text.strip().lower().removeprefix("0x").replace(":", "").replace(" ", "")
    if not cleaned or len(cleaned) > 42 or any(c not in "0123456789abcdef" for c in cleaned):
        raise InvalidInput(f"serial {text!r} is not a hexadecimal serial number",
                           field="serial")
    return format(int(cleaned, 16), "x")


def _reason(text: str) -> str:
    name = _BY_LOWER.get(text.strip().lower().replace("_", "").replace("-", "")) \
        or _BY_LOWER.get(text.strip().lower())
    if name is None:
        raise InvalidInput(f"unknown revocation reason {text!r}; one of "
                           f"{', '.join(REASONS)}", field="reason")
    return name


def generate_crl(
    *, issuer: x509.Certificate, key: Any, number: int, now: dt.datetime,
    next_update: dt.datetime, revoked: list[tuple[str, dt.datetime | str, str | None]],
    distribution_point: x509.IssuingDistributionPoint | None = None,
    extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
) -> bytes:
    """A full CRL (DER): CRL number and AKI; each entry's reason unless unspecified (RFC 5280
    5.3.1 says to leave that out). Entries are encoded by ``crl_encode`` and kept per CA, so
    signing again after the next revocation costs only the new entries and the signature."""
    entries = []
    built = _ENTRIES.setdefault(fingerprint_of(issuer), {})
    if len(built) > _ENTRIES_MAX:
        built.clear()
    for item in revoked:
        entry = built.get(item)
        if entry is None:
            serial_hex, when, reason = item
            entry = built[item] = entry_der_from_row(
                serial_hex, when, _REASON_EXTENSIONS.get(reason or "unspecified", b""))
        entries.append(entry)
    b = (x509.CertificateRevocationListBuilder(issuer.subject, now, next_update, [], [])
         .add_extension(x509.CRLNumber(number), critical=False)
         .add_extension(authority_key_identifier_for(issuer), critical=False))
    if distribution_point is not None:  # a partition (RFC 5280 5.2.5: critical)
        b = b.add_extension(distribution_point, critical=True)
    for extension, critical in extensions:  # Freshest CRL, Delta CRL Indicator
        b = b.add_extension(extension, critical=critical)
    return sign_crl_with_entries(b, key, entries)


def fingerprint_of(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import hashes

    return cert.fingerprint(hashes.SHA256())


def authority_key_identifier_for(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return authority_key_identifier(issuer)


def regenerate_crl(ctx: AppContext, s: Session, row: CaCertificate, *, now: dt.datetime) -> bytes:
    """Sign a new CRL for one CA inside the caller's transaction; returns its DER."""
    # populate_existing: the row may already be in this session; after waiting for the
    # lock, its CRL number must be re-read, not taken from the identity map.
    locked = s.scalar(select(CaCertificate).where(CaCertificate.id == row.id)
                      .with_for_update().execution_options(populate_existing=True))
    assert locked is not None
    days = load_settings(s).crl_days
    # Core select, dates as stored (UTC text on SQLite, parsed only for entries not built
    # before): the ORM's per-row conversions cost more than the signature on a big CRL.
    revoked: list[Any] = [tuple(r) for r in s.connection().execute(
        select(CaIssued.serial, type_coerce(CaIssued.revoked_at, String),
               CaIssued.revocation_reason).where(
            CaIssued.issuer_id == row.id, CaIssued.status.in_(("revoked", "hold"))))]
    from certyard.ca.crl_delta import freshest_crl_extension, start_delta

    settings = load_settings(s)
    key = open_ca_key(ctx, s, locked)
    locked.crl_number = (locked.crl_number or 0) + 1
    locked.crl_der = generate_crl(
        issuer=ca_certificate(locked), key=key, number=locked.crl_number, now=now,
        next_update=now + dt.timedelta(days=days), revoked=revoked,
        extensions=[(freshest_crl_extension(settings, locked.id), False)]
        if settings.crl_delta else ())
    locked.crl_this_update = now
    locked.crl_next_update = now + dt.timedelta(days=days)
    der: bytes = locked.crl_der
    start_delta(ctx, s, locked, base_number=locked.crl_number, now=now, settings=settings,
                key=key)
    s.flush()
    return der


def _due(row: CaCertificate, now: dt.datetime) -> bool:
    """Regenerate once half the validity has passed, well before nextUpdate."""
    if row.crl_der is None or row.crl_this_update is None or row.crl_next_update is None:
        return True
    half = (row.crl_next_update - row.crl_this_update) / 2
    return now >= row.crl_this_update + half


def base_due(s: Session, row: CaCertificate, now: dt.datetime) -> bool:
    """The full CRL must be signed again: half its validity passed, or delta CRLs were
    turned on or off since it was signed (its Freshest CRL extension must follow)."""
    from certyard.ca.crl_delta import delta_state_stale

    return _due(row, now) or delta_state_stale(s, row, load_settings(s))


def current_crl(ctx: AppContext, *, ca_id: int | None = None) -> bytes:
    """The CRL (DER) of the issuing CA, or of CA ``ca_id``; regenerated first when due."""
    now = ctx.clock.now()
    with ctx.read() as s:
        row = issuing_ca(s) if ca_id is None else s.get(CaCertificate, ca_id)
        # Only CA keys sign CRLs; a delegated OCSP responder's key never does.
        if row is None or row.private_key_id is None or row.role == "ocsp-signer":
            raise NotFound("CRL", ca_id)
        if not base_due(s, row, now):
            return row.crl_der  # type: ignore[return-value]
        rid = row.id
    with ctx.transaction() as s:
        row = s.get(CaCertificate, rid)
        assert row is not None
        if not base_due(s, row, now):
            return row.crl_der  # type: ignore[return-value]
        return regenerate_crl(ctx, s, row, now=now)


def refresh_crls(ctx: AppContext) -> int:
    """Job: regenerate every CRL that is due. Returns how many were signed."""
    now = ctx.clock.now()
    count = 0
    with ctx.transaction() as s:
        for row in s.scalars(select(CaCertificate).where(
                CaCertificate.active.is_(True), CaCertificate.private_key_id.is_not(None),
                CaCertificate.role != "ocsp-signer")):
            from certyard.ca.crl_delta import refresh_delta
            from certyard.ca.crl_shards import refresh_shards

            if base_due(s, row, now):
                regenerate_crl(ctx, s, row, now=now)  # and its delta, when deltas are on
                count += 1
            else:
                count += refresh_delta(ctx, s, row, now=now)

            count += refresh_shards(ctx, s, row, now=now)
    return count


def _find(s: Session, serial: str) -> CaIssued:
    row = s.scalar(select(CaIssued).where(CaIssued.serial == serial).with_for_update()
                   .execution_options(populate_existing=True))
    if row is None:
        raise NotFound("certificate with serial", serial)
    return row


def _after_change(ctx: AppContext, s: Session, row: CaIssued, now: dt.datetime, *,
                  previous: str, held_since: dt.datetime | None = None) -> int:
    # The CA row is locked before any shard or delta row, in the order the refresh job
    # takes them (CA, then its shards): two transactions never wait on each other in turn.
    ca = s.scalar(select(CaCertificate).where(CaCertificate.id == row.issuer_id)
                  .with_for_update().execution_options(populate_existing=True))
    assert ca is not None
    if ca.private_key_id is None:
        raise NotInitialised("the issuing CA's key is not held here")
    if load_settings(s).crl_delta:
        # The change goes into the delta CRL only (cheap: entries since the base); the
        # full CRL stays until it is due. No delta yet (just turned on): a full CRL now.
        from certyard.ca.crl_delta import record_change
        from certyard.ca.crl_shards import regenerate_shard

        if row.crl_shard is not None:
            regenerate_shard(ctx, s, ca, row.crl_shard, now=now)
        if not record_change(ctx, s, ca, row, previous=previous, held_since=held_since,
                             now=now):
            regenerate_crl(ctx, s, ca, now=now)
    elif row.crl_shard is None:
        regenerate_crl(ctx, s, ca, now=now)
    else:
        # Only the certificate's partition is signed now; the full CRL is marked due
        # (rebuilt on its next request or by the refresh job) and its number bumped, so
        # the revocation marker other replicas poll still moves.
        from certyard.ca.crl_shards import regenerate_shard

        regenerate_shard(ctx, s, ca, row.crl_shard, now=now)
        ca.crl_number = (ca.crl_number or 0) + 1
        ca.crl_next_update = None
        s.flush()
    from certyard.ca.ocsp import forget_cached, resign_response
    from certyard.ca.ocsp_signer import retire_if_responder

    if row.status != "good" and retire_if_responder(ctx, s, row, now=now):
        forget_cached()
    resign_response(ctx, s, row, now=now)
    return ca.crl_number


def check_revocable(ctx: AppContext, serial: str, *, reason: str = "unspecified") -> None:
    """Raise Conflict when ``serial`` is already revoked (or already on hold and the reason
    is certificateHold), so a front end can say so before it asks for a confirmation. An
    unknown serial passes: :func:`revoke_certificate` reports it."""
    with ctx.read() as s:
        try:
            row = _find(s, serial)
        except (NotFound, InvalidInput):
            return
        if row.status == "revoked" or (row.status == "hold" and reason == "certificateHold"):
            state = "on hold" if row.status == "hold" else "revoked"
            raise Conflict(f"certificate {row.serial} is already {state} "
                           f"({row.revocation_reason}); nothing was changed")


def revoke_certificate(
    ctx: AppContext, serial: str, *, reason: str = "unspecified",
) -> RevocationView:
    """Revoke a certificate this CA issued (expired ones too). A held certificate may be
    revoked for good with another reason; anything else already revoked is a conflict."""
    serial = parse_serial(serial)
    name = _reason(reason)
    now = ctx.clock.now()
    with ctx.transaction() as s:
        row = _find(s, serial)
        if row.status == "revoked" or (row.status == "hold" and name == "certificateHold"):
            raise Conflict(f"certificate {serial} is already revoked "
                           f"({row.revocation_reason})")
        previous = row.status
        row.status = "hold" if name == "certificateHold" else "revoked"
        row.revoked_at = row.revoked_at or now  # a hold made permanent keeps its date
        row.revocation_reason = name
        number = _after_change(ctx, s, row, now, previous=previous)
        record_event(s, ctx, action="ca.revoke", target=serial,
                     details={"reason": name, "subject": row.subject})
        return RevocationView(serial=serial, subject=row.subject, status=row.status,
                              reason=name, revoked_at=row.revoked_at.isoformat(),
                              crl_number=number)


def release_hold(ctx: AppContext, serial: str) -> RevocationView:
    """Take a certificate off hold (certificateHold is the one reversible reason)."""
    serial = parse_serial(serial)
    now = ctx.clock.now()
    with ctx.transaction() as s:
        row = _find(s, serial)
        if row.status != "hold":
            raise Conflict(f"certificate {serial} is not on hold (status {row.status})")
        held_since = row.revoked_at
        row.status, row.revoked_at, row.revocation_reason = "good", None, None
        number = _after_change(ctx, s, row, now, previous="hold", held_since=held_since)
        record_event(s, ctx, action="ca.release_hold", target=serial,
                     details={"subject": row.subject})
        return RevocationView(serial=serial, subject=row.subject, status="good", reason=None,
                              revoked_at=None, crl_number=number)
