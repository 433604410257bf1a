"""No privilege escalation through account administration (security review finding)."""

from __future__ import annotations

import pytest

from certyard.accounts import users
from certyard.context import Actor
from certyard.errors import PermissionDenied

PW = "Zq7!mkR2#vTp9w"


def test_help_desk_cannot_take_over_a_system_administrator(ctx) -> None:  # type: ignore[no-untyped-def]
    users.create_user(ctx, "sysadm", role="System Administrator", password=PW)
    users.create_user(ctx, "operator", role="Read-only", password=PW)
    helpdesk = ctx.acting_as(Actor(name="hd", source="127.0.0.1",
                                   role="Help Desk Administrator"))
    with pytest.raises(PermissionDenied, match="reset the password of"):
        users.reset_password(helpdesk, "sysadm", "Xw8$npLq4!rTz6")
    with pytest.raises(PermissionDenied, match="create"):
        users.create_user(helpdesk, "evil", role="System Administrator", password=PW)
    # Within its own reach the help desk still works.
    users.reset_password(helpdesk, "operator", "Xw8$npLq4!rTz6")
