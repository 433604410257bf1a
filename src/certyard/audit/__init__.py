"""Audit trail: every administrative action, hash-chained so edits and removals show."""

from __future__ import annotations

from certyard.audit.trail import record_event

__all__ = ["record_event"]
