"""Errors of the audit room."""

from __future__ import annotations

from certyard.errors import CertyardError

__all__ = ["ChainBroken"]


class ChainBroken(CertyardError):
    """The hash chain does not hold: a record was edited or removed (CLI exit 9)."""

    code = "audit_chain_broken"

    def __init__(self, message: str, *, problems: int, checked: int) -> None:
        super().__init__(message)
        self.problems = problems
        self.checked = checked
