"""Monitoring: expiry notices, revocation checks, alarms, e-mail and metrics.
Other rooms import from here (alarms in particular)."""

from __future__ import annotations

from certyard.monitor.alarms import (
    ALARM_NAMES,
    SEVERITIES,
    AlarmView,
    RaiseResult,
    clear_alarm,
    get_alarm,
    list_alarms,
    raise_alarm,
)

__all__ = [
    "ALARM_NAMES", "SEVERITIES", "AlarmView", "RaiseResult", "clear_alarm", "get_alarm",
    "list_alarms", "raise_alarm",
]
