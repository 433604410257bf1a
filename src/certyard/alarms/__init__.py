"""Alarms: the persistent alarm log and the e-mail alert actions.

Any room may raise or clear an alarm (``raise_alarm(s, ctx, name=, object=, severity=,
message=)``, ``clear_alarm``, the ``*_bulk`` forms for scans); the delivery layers list
and clear them and edit the alert actions. Alert e-mails go into the outbox, which the
monitor room delivers.
"""

from __future__ import annotations

from certyard.alarms.alerts import (
    AlertActions,
    get_alert_actions,
    update_alert_actions,
    validate_emails,
)
from certyard.alarms.log import (
    ALARM_NAMES,
    SEVERITIES,
    AlarmView,
    RaiseResult,
    alarm_counts,
    clear_alarm,
    clear_alarm_by_id,
    clear_alarms_bulk,
    get_alarm,
    list_alarms,
    raise_alarm,
    raise_alarms_bulk,
)

__all__ = [
    "ALARM_NAMES",
    "SEVERITIES",
    "AlarmView",
    "AlertActions",
    "RaiseResult",
    "alarm_counts",
    "clear_alarm",
    "clear_alarm_by_id",
    "clear_alarms_bulk",
    "get_alarm",
    "get_alert_actions",
    "list_alarms",
    "raise_alarm",
    "raise_alarms_bulk",
    "update_alert_actions",
    "validate_emails",
]
