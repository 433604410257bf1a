"""Finding 10: the no-escalation rule covers every account operation: a Help Desk
Administrator cannot end the System Administrator's sessions, unlock, reset, revoke tokens
of, or otherwise act on an account holding privileges they lack — by any front end."""

from __future__ import annotations

import pytest

from certyard import accounts
from certyard.context import Actor
from certyard.errors import PermissionDenied


@pytest.fixture
def backend() -> str:
    return "sqlite"  # authorization and key access do not depend on the storage backend


def _helpdesk(ctx):  # type: ignore[no-untyped-def]
    return ctx.acting_as(Actor(name="helpdesk", source="test", role="Help Desk Administrator"))


def test_help_desk_cannot_act_on_the_system_administrator(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    hd = h.as_role("Help Desk Administrator")
    for method, url in (("DELETE", "/api/v1/sessions/sysadm"),
                        ("POST", "/api/v1/users/sysadm/unlock")):
        r = h.client.request(method, url, headers=hd)
        assert r.status_code == 403, (url, r.text)
    r = h.client.post("/api/v1/users/sysadm/password", json={"password": "Other-Pass-777"},
                      headers=hd)
    assert r.status_code == 403
    # The System Administrator's script was not touched.
    assert h.client.get("/api/v1/me", headers=h.as_role("System Administrator")).status_code \
        == 200
    ctx = _helpdesk(h.ctx)
    sysadm_token = accounts.list_tokens(h.ctx, user="sysadm")[0].id
    for op in (lambda: accounts.terminate_user_sessions(ctx, "sysadm"),
               lambda: accounts.unlock_user(ctx, "sysadm"),
               lambda: accounts.revoke_token(ctx, sysadm_token),
               lambda: accounts.create_token(ctx, "sysadm", name="mine-now"),
               lambda: accounts.set_role(ctx, "sysadm", "Read-only"),
               lambda: accounts.create_role(ctx, "Keys", privileges=["keys:read"]),
               lambda: accounts.delete_user(ctx, "certadm")):
        with pytest.raises(PermissionDenied):
            op()


def test_help_desk_still_helps_accounts_within_its_privileges(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    hd = h.as_role("Help Desk Administrator")
    assert h.client.post("/api/v1/users/viewer/unlock", headers=hd).status_code == 200
    assert h.client.delete("/api/v1/sessions/viewer", headers=hd).status_code == 200


def test_own_password_is_never_reset_without_the_current_one(ctx) -> None:  # type: ignore[no-untyped-def]
    """An account operator's stolen token must not take the account over through the
    administrators' reset route (outside try: helpdesk reset its own password)."""
    from certyard import accounts
    from certyard.context import Actor
    from certyard.errors import PermissionDenied

    accounts.create_user(ctx, "desk", role="Help Desk Administrator",
                         password="Sturdy-Passw0rd-2026", must_change_password=False)
    as_desk = ctx.acting_as(Actor(name="desk", source="127.0.0.1",
                                  role="Help Desk Administrator"))
    with pytest.raises(PermissionDenied, match="your own password"):
        accounts.reset_password(as_desk, "desk", "Another-Passw0rd-2026")


def test_a_custom_role_cannot_pose_as_a_built_in_one(ctx) -> None:  # type: ignore[no-untyped-def]
    from certyard import accounts
    from certyard.errors import Duplicate

    with pytest.raises(Duplicate):
        accounts.create_role(ctx, "system administrator", privileges=["accounts:read"])
    accounts.create_role(ctx, "Viewers", privileges=["accounts:read"])
    with pytest.raises(Duplicate):
        accounts.create_role(ctx, "VIEWERS", privileges=["accounts:read"])
