"""Settings documents: one JSON document per key in the ``setting`` table.

Each key has ONE owner room (see ARCHITECTURE.md, "Settings"); only that room's functions
read or write it, through these helpers. A room with a typed document (a frozen dataclass)
loads it with :func:`load_document` and writes it with :func:`save_document`; a room that
keeps a free-form state dict merges into it with :func:`merge_document`, the only merge
helper (keys not named in ``changes`` stay).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from certyard.db.models import Setting

__all__ = ["load_document", "merge_document", "read_document", "save_document"]

T = TypeVar("T")


def read_document(s: Session, name: str, *, lock: bool = False) -> dict[str, Any]:
    """The stored dict of ``name`` ({} when absent or not a dict)."""
    row = s.get(Setting, name, with_for_update=lock or None)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def load_document(s: Session, name: str, cls: type[T]) -> T:
    """The stored document as ``cls`` (a dataclass); unknown stored keys are ignored and
    missing ones take the dataclass defaults."""
    raw = read_document(s, name)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in raw.items() if k in known})


def merge_document(s: Session, name: str, changes: dict[str, Any], *,
                   now: dt.datetime) -> dict[str, Any]:
    """Write ``changes`` over the stored dict (other keys stay) and return the result."""
    row = s.get(Setting, name, with_for_update=True)
    if row is None:
        row = Setting(name=name, value={}, updated_at=now)
        s.add(row)
    value = dict(row.value or {})
    value.update(changes)
    row.value = value  # a new dict object, so the JSON column is flagged dirty
    row.updated_at = now
    return value


def save_document(s: Session, name: str, data: dict[str, Any], *, now: dt.datetime) -> None:
    """Replace the stored dict of ``name`` with ``data``."""
    row = s.get(Setting, name)
    if row is None:
        s.add(Setting(name=name, value=dict(data), updated_at=now))
    else:
        row.value = dict(data)
        row.updated_at = now
