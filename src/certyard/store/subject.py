"""The cluster's CSR subject defaults: organisation, unit, locality, state and country that
every generated CSR carries unless the request names its own (seed 000 step 12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.db.models import Setting
from certyard.x509 import SubjectFields

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["get_subject_defaults", "load_subject_defaults", "set_subject_defaults"]

_SETTING = "csr_subject"


def load_subject_defaults(s: Session) -> SubjectFields:
    row = s.get(Setting, _SETTING)
    if row is None or not isinstance(row.value, dict):
        return SubjectFields()
    return SubjectFields.from_dict(row.value)


def get_subject_defaults(ctx: AppContext) -> SubjectFields:
    with ctx.read() as s:
        return load_subject_defaults(s)


def set_subject_defaults(ctx: AppContext, changes: Mapping[str, str | None]) -> SubjectFields:
    """Change some defaults; ``None`` leaves a field as it is, ``""`` clears it. Checked as a
    whole before anything is stored."""
    with ctx.transaction() as s:
        current = load_subject_defaults(s).to_dict()
        current.update({k: v for k, v in changes.items() if v is not None})
        fields = SubjectFields.from_dict(current)  # raises on a bad value: nothing stored
        now = ctx.clock.now()
        row = s.get(Setting, _SETTING, with_for_update=True)
        if row is None:
            s.add(Setting(name=_SETTING, value=fields.to_dict(), updated_at=now))
        else:
            row.value = fields.to_dict()
            row.updated_at = now
        record_event(s, ctx, action="csr.subject_defaults", target="cluster",
                     details=fields.to_dict())
    return fields
