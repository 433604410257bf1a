"""Purpose configuration as service operations (list, add)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from certyard.audit import record_event
from certyard.db.models import Node, Purpose
from certyard.store.generate import install_self_signed
from certyard.store.purposes import PurposeSpec, save_purpose

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["add_purpose", "list_purposes"]


def list_purposes(ctx: AppContext) -> list[PurposeSpec]:
    with ctx.read() as s:
        return [PurposeSpec.from_row(r) for r in s.scalars(select(Purpose).order_by(Purpose.name))]


def add_purpose(ctx: AppContext, spec: PurposeSpec, *, self_signed: bool = True) -> PurposeSpec:
    """Add a purpose (e.g. CallManager, CAPF, TVS, ITLRecovery) with no code change; every
    node gets a self-signed identity for it, as at install."""
    with ctx.transaction() as s:
        save_purpose(s, spec)
        if self_signed:
            for node in s.scalars(select(Node)):
                install_self_signed(ctx, s, spec, node)
        record_event(s, ctx, action="purpose.add", target=spec.name, details=spec.to_dict())
    return spec
