"""Delta CRLs (RFC 5280 5.2.4, 5.2.6), for CAs whose full CRL is large.

With the CA setting ``crl_delta`` on, each CA's full (base) CRL carries a Freshest CRL
extension naming ``<base URL>/ca/<CA id>/delta.crl``, and that URL serves a delta CRL: a
critical Delta CRL Indicator holding the base's CRL number, its own CRL number from the
CA's one sequence (so base and delta numbers only ever increase together), and only what
changed since the base: certificates revoked or put on hold since, holds made permanent
(with their new reason), and holds released since (reason ``removeFromCRL``).

A revocation then re-signs only the delta (entries: the changes since the base, kept on the
delta row, so the cost does not grow with the base) and leaves the full CRL as it is; the
full CRL is re-signed when half its validity has passed (refresh job or next request), and
a new base starts an empty delta. Delta CRLs cover the CA's full CRL only: a shard's CRL is
already small and re-signed at once on a revocation in it, so a delta would add a second
download without making anything fresher.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cryptography import x509
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from certyard.ca.authority import ca_certificate, open_ca_key
from certyard.ca.config import CaSettings, load_settings
from certyard.db.models.ca import CaCertificate, CaCrlDelta, CaIssued
from certyard.errors import NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["current_delta_crl", "delta_crl_url", "delta_state_stale", "freshest_crl_extension",
           "record_change", "refresh_delta", "start_delta"]

# changes: serial -> [revocation date (ISO 8601), reason name or removeFromCRL, "base"|"new"]
# where "base" marks a certificate the base CRL lists (revoked or on hold before it).
_IN_BASE, _NEW = "base", "new"


def delta_crl_url(base_url: str, ca_id: int) -> str:
    return f"{base_url}/ca/{ca_id}/delta.crl"


def freshest_crl_extension(settings: CaSettings, ca_id: int) -> x509.FreshestCRL:
    """RFC 5280 5.2.6 (non-critical; only in complete CRLs)."""
    return x509.FreshestCRL([x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(delta_crl_url(settings.url, ca_id))],
        relative_name=None, reasons=None, crl_issuer=None)])


def _locked_ca(s: Session, ca_id: int) -> CaCertificate:
    row = s.scalar(select(CaCertificate).where(CaCertificate.id == ca_id)
                   .with_for_update().execution_options(populate_existing=True))
    assert row is not None
    return row


def _state(s: Session, ca_id: int, *, lock: bool = False) -> CaCrlDelta | None:
    q = select(CaCrlDelta).where(CaCrlDelta.ca_id == ca_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return s.scalar(q)


def delta_state_stale(s: Session, ca: CaCertificate, settings: CaSettings) -> bool:
    """True when the stored full CRL does not match the setting: deltas on but the base was
    signed without a Freshest CRL (no delta state), or off while one is still named."""
    has_state = s.scalar(select(CaCrlDelta.id).where(CaCrlDelta.ca_id == ca.id)) is not None
    return has_state != settings.crl_delta


def _sign(ctx: AppContext, s: Session, ca: CaCertificate, state: CaCrlDelta, *,
          now: dt.datetime, settings: CaSettings, key: Any = None) -> bytes:
    """Sign the delta from ``state.changes`` with the next number of the CA's sequence;
    ``ca`` must be locked by the caller."""
    from certyard.ca.crl import generate_crl

    entries: list[Any] = [(serial, when, reason)
                          for serial, (when, reason, _where) in sorted(state.changes.items())]
    ca.crl_number = (ca.crl_number or 0) + 1
    next_update = now + dt.timedelta(hours=settings.crl_delta_hours)
    state.crl_der = generate_crl(
        issuer=ca_certificate(ca), key=key if key is not None else open_ca_key(ctx, s, ca),
        number=ca.crl_number, now=now, next_update=next_update, revoked=entries,
        extensions=[(x509.DeltaCRLIndicator(state.base_number), True)])
    state.crl_number, state.this_update, state.next_update = ca.crl_number, now, next_update
    s.flush()
    return state.crl_der


def start_delta(ctx: AppContext, s: Session, ca: CaCertificate, *, base_number: int,
                now: dt.datetime, settings: CaSettings, key: Any) -> None:
    """A new base CRL (number ``base_number``) was signed for the locked ``ca``: with deltas
    on, start an empty delta referring to it (signed at once); with them off, drop the
    delta state so nothing names a delta any more."""
    state = _state(s, ca.id, lock=True)
    if not settings.crl_delta:
        if state is not None:
            s.execute(delete(CaCrlDelta).where(CaCrlDelta.id == state.id))
        return
    if state is None:
        state = CaCrlDelta(ca_id=ca.id, base_number=base_number, changes={})
        s.add(state)
    state.base_number, state.changes = base_number, {}
    _sign(ctx, s, ca, state, now=now, settings=settings, key=key)


def record_change(ctx: AppContext, s: Session, ca: CaCertificate, row: CaIssued, *,
                  previous: str, held_since: dt.datetime | None, now: dt.datetime) -> bool:
    """Note the revocation state change of ``row`` (from status ``previous``) in the delta
    and re-sign it. False when there is no delta to add to yet (deltas just turned on): the
    caller then signs a full CRL, which starts one."""
    locked = _locked_ca(s, ca.id)  # always the CA row first, then the delta row
    state = _state(s, ca.id, lock=True)
    if state is None:
        return False
    changes = dict(state.changes)
    where = changes[row.serial][2] if row.serial in changes else (
        _IN_BASE if previous != "good" else _NEW)
    if row.status == "good":  # a hold released
        if where == _IN_BASE:
            when = held_since or now
            changes[row.serial] = [when.isoformat(), "removeFromCRL", where]
        else:
            changes.pop(row.serial, None)  # held after the base: the base never listed it
    else:
        when = row.revoked_at or now
        changes[row.serial] = [when.isoformat(), row.revocation_reason or "unspecified", where]
    state.changes = changes  # a new dict: the JSON column is written again
    _sign(ctx, s, locked, state, now=now, settings=load_settings(s))
    return True


def _due(state: CaCrlDelta | None, now: dt.datetime) -> bool:
    if state is None or state.crl_der is None or state.this_update is None \
            or state.next_update is None:
        return True
    return now >= state.this_update + (state.next_update - state.this_update) / 2


def refresh_delta(ctx: AppContext, s: Session, ca: CaCertificate, *, now: dt.datetime) -> int:
    """Job part: re-sign the CA's delta CRL when half its validity has passed. Returns 1
    when it signed one."""
    state = _state(s, ca.id)
    if state is None or not _due(state, now):
        return 0
    locked = _locked_ca(s, ca.id)
    state = _state(s, ca.id, lock=True)
    assert state is not None
    _sign(ctx, s, locked, state, now=now, settings=load_settings(s))
    return 1


def current_delta_crl(ctx: AppContext, *, ca_id: int | None = None) -> bytes:
    """The delta CRL (DER) of the issuing CA, or of CA ``ca_id``; signed first (with a new
    base when that is due) when missing or half its validity has passed. NotFound when
    delta CRLs are off."""
    from certyard.ca.authority import issuing_ca
    from certyard.ca.crl import base_due, regenerate_crl

    now = ctx.clock.now()
    with ctx.read() as s:
        ca = issuing_ca(s) if ca_id is None else s.get(CaCertificate, ca_id)
        settings = load_settings(s)
        if ca is None or ca.private_key_id is None or ca.role == "ocsp-signer":
            raise NotFound("delta CRL", ca_id)
        if not settings.crl_delta:
            raise NotFound("delta CRL", "(off: turn on with `certyard ca config --crl-delta`)")
        ca_id = ca.id
        state = _state(s, ca_id)
        if not _due(state, now) and not base_due(s, ca, now):
            return state.crl_der  # type: ignore[union-attr, return-value]
    with ctx.transaction() as s:
        ca = s.get(CaCertificate, ca_id)
        assert ca is not None
        if base_due(s, ca, now):
            regenerate_crl(ctx, s, ca, now=now)  # signs a new base and its empty delta
        elif _due(_state(s, ca_id), now):
            refresh_delta(ctx, s, ca, now=now)
        state = _state(s, ca_id)
        assert state is not None and state.crl_der is not None
        return state.crl_der
