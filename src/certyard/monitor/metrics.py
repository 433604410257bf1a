"""Prometheus text exposition (format 0.0.4) of what the monitor knows: a not-after
timestamp per certificate, revocation status, alarm counts, outbox and job state. The API
room serves it at ``/metrics``; an alert rule such as
``certyard_certificate_not_after_timestamp_seconds - time() < 14*86400`` works as is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from certyard.alarms import alarm_counts
from certyard.db.models.monitor import JobLease, OutboxMessage, RevocationStatus
from certyard.monitor.expiry import expiring_certificates

__all__ = ["CONTENT_TYPE", "render_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc)
REVOCATION_STATES = ("good", "revoked", "unknown", "error")


def _esc(v: object) -> str:
    return str(v).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _line(name: str, labels: dict[str, Any], value: float) -> str:
    inner = ",".join(f'{k}="{_esc(v)}"' for k, v in labels.items())
    return f"{name}{{{inner}}} {_num(value)}" if inner else f"{name} {_num(value)}"


def _family(out: list[str], name: str, kind: str, help_: str, lines: Iterable[str]) -> None:
    out.append(f"# HELP {name} {help_}")
    out.append(f"# TYPE {name} {kind}")
    out.extend(lines)


def render_metrics(ctx: Any) -> str:
    out: list[str] = []
    with ctx.read() as s:
        certs = list(expiring_certificates(s, FAR_FUTURE))
        rev = {r.cert_key: r for r in s.scalars(select(RevocationStatus))}
        alarms = alarm_counts(s)
        outbox = dict(s.execute(select(OutboxMessage.status, func.count())
                                .group_by(OutboxMessage.status)).all())  # type: ignore[arg-type]
        leases = list(s.scalars(select(JobLease)))
    labels = {c.cert_key: {"node": c.node, "purpose": c.purpose, "cn": c.common_name,
                           "serial": c.serial, "issuer": c.issuer, "source": c.source,
                           "cert": c.cert_key} for c in certs}
    _family(out, "certyard_certificate_not_after_timestamp_seconds", "gauge",
            "Expiry (notAfter) of each certificate certyard knows, Unix time.",
            (_line("certyard_certificate_not_after_timestamp_seconds", labels[c.cert_key],
                   c.not_after.timestamp()) for c in certs))
    rev_lines: list[str] = []
    checked_lines: list[str] = []
    for key, r in sorted(rev.items()):
        base = labels.get(key, {"cert": key})
        for st in REVOCATION_STATES:
            rev_lines.append(_line("certyard_certificate_revocation_status",
                                   {**base, "status": st}, 1 if r.status == st else 0))
        checked_lines.append(_line("certyard_certificate_revocation_checked_timestamp_seconds",
                                   base, r.checked_at.timestamp()))
    _family(out, "certyard_certificate_revocation_status", "gauge",
            "1 for the current revocation status of a certificate (good, revoked, unknown, "
            "error).", rev_lines)
    _family(out, "certyard_certificate_revocation_checked_timestamp_seconds", "gauge",
            "When the revocation status was last checked, Unix time.", checked_lines)
    _family(out, "certyard_alarms", "gauge",
            "Alarm objects by alarm name, severity and state (active or cleared).",
            (_line("certyard_alarms", {"name": n, "severity": sev,
                                       "state": "cleared" if cl else "active"}, k)
             for (n, sev, cl), k in sorted(alarms.items())))
    _family(out, "certyard_outbox_messages", "gauge", "E-mail outbox messages by status.",
            (_line("certyard_outbox_messages", {"status": st}, outbox.get(st, 0))
             for st in ("pending", "sent", "failed")))
    _family(out, "certyard_job_last_finished_timestamp_seconds", "gauge",
            "When each background job last finished, Unix time.",
            (_line("certyard_job_last_finished_timestamp_seconds", {"job": j.name},
                   j.last_finished_at.timestamp()) for j in leases if j.last_finished_at))
    return "\n".join(out) + "\n"
