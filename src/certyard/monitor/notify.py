"""E-mail: a persistent outbox, delivery with retry and backoff, alarm alerts and the
"send test mail" action.

Notices are first written to ``outbox_message`` in the same transaction that decided to
send them, so a crash or an SMTP outage loses nothing; ``deliver_outbox`` (a background job)
claims due messages, sends them and backs off exponentially on failure.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from certyard.audit import record_event
from certyard.db.models.monitor import OutboxMessage
from certyard.errors import ExternalServiceError, InvalidInput, NotInitialised
from certyard.monitor.settings import (
    SmtpSettings,
    load,
    smtp_password,
    validate_emails,
)

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["DeliveryReport", "OutboxView", "backoff", "deliver_outbox", "list_outbox",
           "send_mail_now", "send_test_mail"]

CLAIM = dt.timedelta(minutes=5)  # a replica that dies mid-send releases its claim this late
MAX_BACKOFF = dt.timedelta(hours=1)


def backoff(attempts: int) -> dt.timedelta:
    """1 min, 2, 4 ... capped at one hour: never give up, never hammer the server."""
    return min(dt.timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def _build(smtp: SmtpSettings, recipients: list[str], subject: str, body: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = smtp.sender
    m["To"] = ", ".join(recipients)
    m["Subject"] = subject
    m["Date"] = formatdate(localtime=False)
    m["Message-ID"] = make_msgid(domain=smtp.sender.split("@", 1)[1])
    m.set_content(body)
    return m


def send_mail_now(ctx: AppContext, smtp: SmtpSettings, recipients: list[str], subject: str,
                  body: str) -> None:
    """One SMTP transaction; any failure is an ExternalServiceError with a one-line reason."""
    if not smtp.configured:
        raise NotInitialised("no SMTP host is configured (certyard smtp set --host ...)")
    msg = _build(smtp, recipients, subject, body)
    tls = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds,
                                      context=tls)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=tls)
            if smtp.username:
                client.login(smtp.username, smtp_password(ctx, smtp))
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as e:
        raise ExternalServiceError(
            f"SMTP {smtp.host}:{smtp.port} failed: {type(e).__name__}: {e}") from None


def send_test_mail(ctx: AppContext, *, to: list[str] | str) -> dict[str, Any]:
    """Send a test mail synchronously so the administrator sees the result now."""
    recipients = validate_emails(to, field_name="to")
    if not recipients:
        raise InvalidInput("give at least one recipient", field="to")
    with ctx.read() as s:
        smtp: SmtpSettings = load(s, "smtp")
    outcome = "success"
    try:
        send_mail_now(ctx, smtp, recipients, "[certyard] test mail",
                      "This is a test mail from certyard. E-mail notification works.\n")
    except ExternalServiceError:
        outcome = "failure"
        raise
    finally:
        with ctx.transaction() as s:
            record_event(s, ctx, action="smtp.test", target=smtp.host or "-", outcome=outcome,
                         details={"to": recipients})
    return {"sent": True, "to": recipients, "host": smtp.host, "port": smtp.port}


@dataclass(frozen=True, kw_only=True)
class DeliveryReport:
    sent: int
    failed: int
    pending: int

    def to_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "pending": self.pending}


def deliver_outbox(ctx: AppContext, *, limit: int = 100) -> DeliveryReport:
    """Send every due message once. Claiming (moving next_attempt_at forward under a row
    lock) happens before sending, so two replicas never send the same message."""
    now = ctx.clock.now()
    with ctx.transaction() as s:
        smtp: SmtpSettings = load(s, "smtp")
        q = (select(OutboxMessage)
             .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
             .with_for_update(skip_locked=True))
        claimed = list(s.scalars(q))
        for m in claimed:
            m.next_attempt_at = now + CLAIM
        jobs = [(m.id, list(m.recipients), m.subject, m.body) for m in claimed]
    sent = failed = 0
    from certyard.alarms import clear_alarm, raise_alarm

    for mid, rcpt, subject, body in jobs:
        error = ""
        try:
            send_mail_now(ctx, smtp, rcpt, subject, body)
        except (ExternalServiceError, NotInitialised) as e:
            error = e.message
        with ctx.transaction() as s:
            msg = s.get(OutboxMessage, mid)
            if msg is None:
                continue
            msg.attempts += 1
            if error:
                failed += 1
                msg.last_error = error
                msg.next_attempt_at = ctx.clock.now() + backoff(msg.attempts)
                raise_alarm(s, ctx, name="EmailDeliveryFailed", object=smtp.host or "smtp",
                            message=f"e-mail to {', '.join(rcpt)} not delivered "
                                    f"(attempt {msg.attempts}): {error}")
            else:
                sent += 1
                msg.status = "sent"
                msg.sent_at = ctx.clock.now()
                msg.last_error = ""
                clear_alarm(s, ctx, name="EmailDeliveryFailed", object=smtp.host or "smtp")
    with ctx.read() as s:
        pending = s.scalar(select(func.count()).select_from(OutboxMessage)
                           .where(OutboxMessage.status == "pending")) or 0
    return DeliveryReport(sent=sent, failed=failed, pending=int(pending))


@dataclass(frozen=True, kw_only=True)
class OutboxView:
    id: int
    kind: str
    recipients: list[str]
    subject: str
    status: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in self.__dict__.items()}


def list_outbox(
    ctx: AppContext, *, status: str | None = None, limit: int = 200,
) -> list[OutboxView]:
    q = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        q = q.where(OutboxMessage.status == status)
    with ctx.read() as s:
        return [OutboxView(id=m.id, kind=m.kind, recipients=list(m.recipients),
                           subject=m.subject, status=m.status, attempts=m.attempts,
                           created_at=m.created_at, next_attempt_at=m.next_attempt_at,
                           sent_at=m.sent_at, last_error=m.last_error) for m in s.scalars(q)]
