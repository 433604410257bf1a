"""Audit trail: every administrative action, hash-chained so edits and removals show;
filtered reading and export for the audit reader roles (forwarding to remote syslog is the
``syslog`` room).

Other rooms import ``record_event`` (inside their own transaction) from here."""

from __future__ import annotations

from certyard.audit.trail import (
    ensure_keyed_chain,
    record_event,
    record_events,
    serialise_appends,
)

__all__ = ["ensure_keyed_chain", "record_event", "record_events", "serialise_appends"]

