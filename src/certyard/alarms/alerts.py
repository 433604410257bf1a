"""Alert actions (seed "Config Alert Action"): named recipient lists, which alarm uses which
(unmapped alarms use "Default"), and the alert e-mails queued into the outbox when an alarm
is raised. The settings document ``alert_actions`` belongs to this room; the monitor room
delivers the outbox over SMTP.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.db.documents import load_document, save_document
from certyard.db.models.monitor import OutboxMessage
from certyard.errors import InvalidInput

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["AlertActions", "enqueue_mail", "enqueue_mails", "get_alert_actions",
           "load_alert_actions", "queue_alarm_alert", "update_alert_actions",
           "validate_emails"]

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                    r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def validate_emails(values: list[str] | str, *, field_name: str = "email_ids") -> list[str]:
    """Comma/space separated or a list; each must be a plain address (no display name)."""
    if isinstance(values, str):
        values = [v for v in re.split(r"[,;\s]+", values) if v]
    out: list[str] = []
    for v in values:
        v = str(v).strip()
        if len(v) > 254 or not _EMAIL.match(v):
            raise InvalidInput(f"{v!r} is not a valid e-mail address", field=field_name)
        if v not in out:
            out.append(v)
    return out


@dataclass(frozen=True, kw_only=True)
class AlertActions:
    """actions: name -> {"enabled": bool, "recipients": [...]}; alarms: alarm -> action."""

    actions: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"Default": {"enabled": False, "recipients": []}})
    alarms: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, a in self.actions.items():
            if not re.match(r"^[A-Za-z0-9_.-]{1,64}$", name):
                raise InvalidInput(f"alert action name {name!r} is not valid", field="actions")
            a["recipients"] = validate_emails(list(a.get("recipients", [])),
                                              field_name="recipients")
            a["enabled"] = bool(a.get("enabled", False))
        for alarm, action in self.alarms.items():
            if action not in self.actions:
                raise InvalidInput(f"alarm {alarm} refers to unknown alert action {action!r}",
                                   field="alarms")

    def recipients_for(self, alarm: str) -> list[str]:
        a = self.actions.get(self.alarms.get(alarm, "Default"))
        return list(a["recipients"]) if a and a["enabled"] else []

    def to_dict(self) -> dict[str, Any]:
        return {"actions": self.actions, "alarms": self.alarms}


def load_alert_actions(s: Session) -> AlertActions:
    return load_document(s, "alert_actions", AlertActions)


def enqueue_mail(s: Session, ctx: AppContext, *, kind: str, recipients: list[str],
                 subject: str, body: str) -> OutboxMessage:
    now = ctx.clock.now()
    msg = OutboxMessage(kind=kind, recipients=list(recipients), subject=subject[:300],
                        body=body, status="pending", attempts=0, created_at=now,
                        next_attempt_at=now, last_error="")
    s.add(msg)
    s.flush()
    return msg


def enqueue_mails(s: Session, ctx: AppContext, *, kind: str, recipients: list[str],
                  messages: list[tuple[str, str]]) -> int:
    """Many (subject, body) messages in one executemany; for scans."""
    if not messages:
        return 0
    now = ctx.clock.now()
    table: Table = OutboxMessage.__table__  # type: ignore[assignment]
    s.execute(insert(table), [
        {"kind": kind, "recipients": list(recipients), "subject": subj[:300], "body": body,
         "status": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now,
         "sent_at": None, "last_error": ""} for subj, body in messages])
    return len(messages)


def queue_alarm_alert(s: Session, ctx: AppContext, *, name: str, object: str,
                      severity: str, message: str) -> bool:
    """Queue an alert e-mail for an alarm to its alert action's recipients, if any."""
    if name == "EmailDeliveryFailed":  # the mail path is what is broken
        return False
    recipients = load_alert_actions(s).recipients_for(name)
    if not recipients:
        return False
    at = ctx.clock.now().strftime("%Y-%m-%d %H:%M:%S UTC")
    text = (f"Alarm: {name}\nSeverity: {severity}\nObject: {object}\nTime: {at}\n\n"
            f"{message}\n\nAlerts for the same alarm and object are sent at most once an "
            "hour; see 'certyard alarms list' for the full log.\n")
    enqueue_mail(s, ctx, kind="alarm", recipients=recipients,
                 subject=f"[certyard] {severity}: {name} on {object}", body=text)
    return True


def get_alert_actions(ctx: AppContext) -> AlertActions:
    with ctx.read() as s:
        return load_alert_actions(s)


def update_alert_actions(
    ctx: AppContext, *, action: str = "Default", recipients: list[str] | None = None,
    enabled: bool | None = None, alarm: str | None = None,
) -> AlertActions:
    """Edit one alert action (created if new); optionally route ``alarm`` to it."""
    with ctx.transaction() as s:
        cur = load_alert_actions(s)
        actions = {k: dict(v) for k, v in cur.actions.items()}
        a = actions.setdefault(action, {"enabled": False, "recipients": []})
        if recipients is not None:
            a["recipients"] = validate_emails(recipients, field_name="recipients")
        if enabled is not None:
            a["enabled"] = enabled
        alarms = dict(cur.alarms)
        if alarm:
            alarms[alarm] = action
        new = AlertActions(actions=actions, alarms=alarms)
        save_document(s, "alert_actions", asdict(new), now=ctx.clock.now())
        record_event(s, ctx, action="alert_actions.update", target="alert_actions",
                     details={"action": action, "alarm": alarm})
        return new
