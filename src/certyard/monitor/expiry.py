"""The expiry scan: every certificate certyard knows whose not-after falls inside the
notification window gets one notice per notification period.

Sources: ``store_entry`` identity and trust rows (every node), and, when the CA room's
tables are present, ``ca_issued`` (certificates the built-in CA signed) and
``ca_certificate`` (the CA certificates themselves). Each query is a range on ``not_after``
(indexed for store entries), so the cost follows the number of certificates in the window,
not the size of the store.

De-duplication is the unique key (cert_key, period) in ``expiry_notice``, inserted with
ON CONFLICT DO NOTHING: a restart or a second replica scanning the same period finds the
key taken and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from certyard.alarms import clear_alarms_bulk, raise_alarms_bulk
from certyard.alarms.alerts import enqueue_mails
from certyard.db.models import Node, StoreEntry
from certyard.db.models.monitor import ExpiryNotice
from certyard.monitor.settings import MonitorSettings, load

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ExpiringCertificate", "ScanReport", "expiring_certificates", "period_index",
           "scan_expiry"]

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True, kw_only=True)
class ExpiringCertificate:
    cert_key: str  # store:<id> | ca-issued:<id> | ca-cert:<id>
    source: str
    subject: str
    common_name: str
    purpose: str
    node: str
    serial: str
    issuer: str
    not_after: dt.datetime

    def days_left(self, now: dt.datetime) -> int:
        return (self.not_after - now) // dt.timedelta(days=1)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["not_after"] = self.not_after.isoformat()
        return d


@dataclass(frozen=True, kw_only=True)
class ScanReport:
    in_window: int
    expired: int
    notices: int  # new notices this period (e-mails queued when e-mail is enabled)
    emails_queued: int
    period: int

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def period_index(now: dt.datetime, length: dt.timedelta) -> int:
    """Periods are fixed slots since a fixed epoch, so every replica agrees on them."""
    return int((now - EPOCH) // length)


def _has_table(s: Session, name: str) -> bool:
    return inspect(s.connection()).has_table(name)


def _cn(rfc4514: str) -> str:
    for part in rfc4514.split(","):
        if part.strip().upper().startswith("CN="):
            return part.split("=", 1)[1]
    return rfc4514


def expiring_certificates(s: Session, horizon: dt.datetime) -> Iterator[ExpiringCertificate]:
    """Every known certificate with not_after <= horizon (including expired ones)."""
    nodes = {i: n for i, n in s.execute(select(Node.id, Node.name))}
    q = (select(StoreEntry.id, StoreEntry.type, StoreEntry.purpose, StoreEntry.node_id,
                StoreEntry.common_name, StoreEntry.subject, StoreEntry.issuer,
                StoreEntry.serial, StoreEntry.not_after)
         .where(StoreEntry.not_after <= horizon, StoreEntry.type.in_(("identity", "trust")))
         .order_by(StoreEntry.not_after))
    serials: set[str] = set()
    for eid, typ, purpose, node_id, cn, subject, issuer, serial, na in s.execute(
            q.execution_options(yield_per=2000)):
        serials.add((serial or "").lower())
        yield ExpiringCertificate(
            cert_key=f"store:{eid}", source=typ, subject=subject, common_name=cn,
            purpose=purpose if typ == "identity" else f"{purpose}-trust",
            node=nodes.get(node_id, "-") if node_id else "all nodes",
            serial=serial or "", issuer=issuer or "",
            not_after=na)  # type: ignore[arg-type]  # never NULL: the range excludes NULLs
    if not _has_table(s, "ca_issued"):
        return  # the CA room's tables are not migrated here: only the store is scanned
    from certyard.db.models.ca import CaCertificate, CaIssued

    ca_subjects = {i: n for i, n in s.execute(
        select(CaCertificate.id, CaCertificate.subject))}
    for cid, role, subject, serial, na in s.execute(
            select(CaCertificate.id, CaCertificate.role, CaCertificate.subject,
                   CaCertificate.serial, CaCertificate.not_after)
            .where(CaCertificate.not_after <= horizon)):
        yield ExpiringCertificate(
            cert_key=f"ca-cert:{cid}", source="ca", subject=subject, common_name=_cn(subject),
            purpose=f"CA ({role})", node="certificate authority", serial=serial,
            issuer=subject if role.startswith("root") else "", not_after=na)
    for iid, issuer_id, profile, subject, serial, na, status in s.execute(
            select(CaIssued.id, CaIssued.issuer_id, CaIssued.profile, CaIssued.subject,
                   CaIssued.serial, CaIssued.not_after, CaIssued.status)
            .where(CaIssued.not_after <= horizon)):
        if status == "revoked" or serial.lower() in serials:
            continue  # revoked ones need no renewal; installed ones were named above
        yield ExpiringCertificate(
            cert_key=f"ca-issued:{iid}", source="ca-issued", subject=subject,
            common_name=_cn(subject), purpose=f"issued by the CA ({profile})",
            node="-", serial=serial, issuer=ca_subjects.get(issuer_id, ""), not_after=na)


def _claim(s: Session, keys: list[str], period: int, now: dt.datetime) -> set[str]:
    """Insert notice keys; returns the ones this call inserted. Keys already taken this
    period are skipped with one indexed read; the insert's ON CONFLICT DO NOTHING settles a
    race with another replica, and RETURNING says which rows were ours."""
    taken = set(s.scalars(select(ExpiryNotice.cert_key).where(ExpiryNotice.period == period)))
    todo = [k for k in keys if k not in taken]
    if not todo:
        return set()
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = (insert(ExpiryNotice).on_conflict_do_nothing(index_elements=["cert_key", "period"])
            .returning(ExpiryNotice.cert_key, sort_by_parameter_order=True))
    won: set[str] = set()
    for i in range(0, len(todo), 5000):
        rows = [{"cert_key": k, "period": period, "created_at": now} for k in todo[i:i + 5000]]
        won.update(k for k in s.scalars(stmt, rows) if k is not None)
    return won


def _body(c: ExpiringCertificate, now: dt.datetime) -> tuple[str, str]:
    days = c.days_left(now)
    when = c.not_after.strftime("%Y-%m-%d %H:%M UTC")
    state = f"EXPIRED {-days} day(s) ago" if c.not_after <= now else f"expires in {days} day(s)"
    subject = f"[certyard] Certificate {c.common_name} ({c.purpose}, {c.node}) {state}"
    if c.source == "trust":
        action = ("Obtain the CA's new certificate and upload it to the trust store "
                  f"({c.purpose}); remove the old one after the change-over.")
    elif c.source.startswith("ca"):
        action = ("Renew it with the certificate authority before it expires and install "
                  "the new certificate where it is used.")
    else:
        action = ("Regenerate the certificate, or generate a CSR, have it signed and upload "
                  "the signed certificate before the expiry date; then restart the services "
                  f"that use {c.purpose}.")
    body = (f"Certificate: {c.subject}\nPurpose: {c.purpose}\nNode: {c.node}\n"
            f"Serial number: {c.serial or '-'}\nIssuer: {c.issuer or '-'}\n"
            f"Expires: {when}\nDays left: {days}\n\nWhat to do: {action}\n")
    return subject, body


def scan_expiry(ctx: AppContext) -> ScanReport:
    """One scan. Safe to run on several replicas at once and after restarts."""
    now = ctx.clock.now()
    with ctx.transaction() as s:
        cfg: MonitorSettings = load(s, "monitor")
        horizon = now + dt.timedelta(days=cfg.notification_start_days)
        period = period_index(now, cfg.period)
        certs = list(expiring_certificates(s, horizon))
        expired = [c for c in certs if c.not_after <= now]
        clear_alarms_bulk(s, ctx, name="CertificateExpiring",
                          objects=[c.cert_key for c in expired])
        raise_alarms_bulk(s, ctx, name="CertificateExpired", items={
            c.cert_key: f"{c.common_name} ({c.purpose}, {c.node}, serial {c.serial}) "
                        f"expired {c.not_after:%Y-%m-%d}" for c in expired})
        by_key = {c.cert_key: c for c in certs}
        # Keys of long-past periods can go; recent ones are what prevents duplicates.
        s.execute(delete(ExpiryNotice).where(
            ExpiryNotice.created_at < now - max(cfg.period * 3, dt.timedelta(days=7))))
        new = _claim(s, list(by_key), period, now)
        raise_alarms_bulk(s, ctx, name="CertificateExpiring", items={
            k: f"{by_key[k].common_name} ({by_key[k].purpose}, {by_key[k].node}) expires "
               f"{by_key[k].not_after:%Y-%m-%d}" for k in sorted(new) if by_key[k].not_after > now})
        queued = 0
        if cfg.email_enabled and cfg.email_ids:
            queued = enqueue_mails(s, ctx, kind="expiry", recipients=list(cfg.email_ids),
                                   messages=[_body(by_key[k], now) for k in sorted(new)])
        return ScanReport(in_window=len(certs), expired=len(expired), notices=len(new),
                          emails_queued=queued, period=period)
