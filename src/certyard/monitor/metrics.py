"""Prometheus text exposition (format 0.0.4) of what the monitor knows: a not-after
timestamp per certificate, revocation status, alarm counts, outbox and job state. The API
room serves it at ``/metrics``; an alert rule such as
``certyard_certificate_not_after_timestamp_seconds - time() < 14*86400`` works as is.

Built on ``prometheus_client``: one collector reads the database at scrape time and yields
metric families into a registry of its own (not the process-wide default one, so nothing
leaks between contexts or tests); ``generate_latest`` writes the text format."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from certyard.alarms import alarm_counts
from certyard.db.models.monitor import JobLease, OutboxMessage, RevocationStatus
from certyard.monitor.expiry import expiring_certificates

if TYPE_CHECKING:
    from prometheus_client.core import Metric

    from certyard.context import AppContext

__all__ = ["CONTENT_TYPE", "CertyardCollector", "render_metrics"]

# prometheus_client is imported when metrics are rendered, not with the monitor room: the
# CLI imports the monitor for most commands and should not pay for it.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # CONTENT_TYPE_PLAIN_0_0_4
FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc)
REVOCATION_STATES = ("good", "revoked", "unknown", "error")
CERT_LABELS = ("node", "purpose", "cn", "serial", "issuer", "source", "cert")


class CertyardCollector:
    """A prometheus_client collector: reads certificates, revocation statuses, alarms, the
    outbox and job leases in one read transaction per scrape."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        with self._ctx.read() as s:
            certs = list(expiring_certificates(s, FAR_FUTURE))
            rev = {r.cert_key: r for r in s.scalars(select(RevocationStatus))}
            alarms = alarm_counts(s)
            outbox: dict[str, int] = {
                str(st): int(n) for st, n in s.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}
            leases = list(s.scalars(select(JobLease)))
        labels: dict[str, list[str]] = {
            c.cert_key: [str(c.node), str(c.purpose), str(c.common_name), str(c.serial),
                         str(c.issuer), str(c.source), str(c.cert_key)] for c in certs}

        not_after = GaugeMetricFamily(
            "certyard_certificate_not_after_timestamp_seconds",
            "Expiry (notAfter) of each certificate certyard knows, Unix time.",
            labels=CERT_LABELS)
        for c in certs:
            not_after.add_metric(labels[c.cert_key], c.not_after.timestamp())
        yield not_after

        status = GaugeMetricFamily(
            "certyard_certificate_revocation_status",
            "1 for the current revocation status of a certificate (good, revoked, unknown, "
            "error).", labels=(*CERT_LABELS, "status"))
        checked = GaugeMetricFamily(
            "certyard_certificate_revocation_checked_timestamp_seconds",
            "When the revocation status was last checked, Unix time.", labels=CERT_LABELS)
        for key, r in sorted(rev.items()):
            # A status whose certificate is gone keeps its key; other labels stay empty.
            base = labels.get(key, ["", "", "", "", "", "", key])
            for st in REVOCATION_STATES:
                status.add_metric([*base, st], 1 if r.status == st else 0)
            checked.add_metric(base, r.checked_at.timestamp())
        yield status
        yield checked

        alarm_family = GaugeMetricFamily(
            "certyard_alarms",
            "Alarm objects by alarm name, severity and state (active or cleared).",
            labels=("name", "severity", "state"))
        for (name, severity, cleared), n in sorted(alarms.items()):
            alarm_family.add_metric([name, severity, "cleared" if cleared else "active"], n)
        yield alarm_family

        messages = GaugeMetricFamily("certyard_outbox_messages",
                                     "E-mail outbox messages by status.", labels=("status",))
        for st in ("pending", "sent", "failed"):
            messages.add_metric([st], outbox.get(st, 0))
        yield messages

        finished = GaugeMetricFamily("certyard_job_last_finished_timestamp_seconds",
                                     "When each background job last finished, Unix time.",
                                     labels=("job",))
        for j in leases:
            if j.last_finished_at:
                finished.add_metric([j.name], j.last_finished_at.timestamp())
        yield finished

    def describe(self) -> list[Any]:
        return []  # families are known only at scrape time; nothing to check at register


def render_metrics(ctx: AppContext) -> str:
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(CertyardCollector(ctx))
    return generate_latest(registry).decode()
