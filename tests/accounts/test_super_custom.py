"""Seed 002 ch. 7: in Enhanced Security Mode the "Super Custom Administrator" privilege
(roles:manage) gives two levels of administrators: a System Administrator grants it, its
holders manage custom roles built from what they hold, and cannot grant it further."""

from __future__ import annotations

import pytest

from certyard import accounts, policy
from certyard.context import Actor
from certyard.db.models import Setting
from certyard.errors import InvalidInput, PermissionDenied
from tests.support.modes import fips_ready


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_super_custom_administrator(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="only in Enhanced Security Mode"):
        accounts.create_role(ctx, "Dept Admin", privileges=["roles:manage", "accounts:read"])
    fips_ready(ctx)
    with ctx.transaction() as s:
        s.add(Setting(name="syslog", value={"host": "127.0.0.1", "enabled": True},
                      updated_at=ctx.clock.now()))
    policy.enable_fips(ctx)
    policy.enable_enhanced(ctx)
    accounts.create_role(ctx, "Dept Admin", privileges=["roles:manage", "accounts:read",
                                                        "certificates:read"])
    dept = ctx.acting_as(Actor(name="dept", source="127.0.0.1", role="Dept Admin"))
    accounts.create_role(dept, "Cert Viewer", privileges=["certificates:read"])
    with pytest.raises(PermissionDenied):
        accounts.create_role(dept, "Dept Admin 2", privileges=["roles:manage"])
    with pytest.raises(PermissionDenied):
        accounts.create_role(dept, "Too Much", privileges=["ca:read"])
