"""Accounts service on SQLite and PostgreSQL: rules, lockout, sessions, tokens, allowlist."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from certyard import accounts
from certyard.db.models.accounts import ApiToken, User
from certyard.errors import (
    AuthenticationFailed,
    Conflict,
    Duplicate,
    InvalidInput,
    NotFound,
    PolicyViolation,
)

PW = "Sturdy-Pass-42"


def _user(ctx, name="alice", role="Read-only", **kw):
    return accounts.create_user(ctx, name, role=role, password=PW, **kw)


@pytest.mark.parametrize("password, rule", [
    ("Ab1!", "min_length"),
    ("lowercaseonly", "trivial"),            # one class
    ("Xalice-1234", "trivial"),              # contains the alias
    ("Xecila-1234", "trivial"),              # contains its reverse
    ("Cooool-1234x", "trivial"),             # four identical characters in a row
    ("abcdefgh", "trivial"),                 # ascending (also one class)
])
def test_trivial_passwords_are_refused(password, rule):
    with pytest.raises(PolicyViolation) as e:
        accounts.check_new_password(password, user_name="alice", rules=accounts.DEFAULT_RULES)
    assert e.value.rule == rule and e.value.field == "password"


def test_all_consecutive_with_classes_checked():
    from certyard.accounts.rules import _all_consecutive

    assert _all_consecutive("abcdef") and _all_consecutive("fedcba")
    assert _all_consecutive("987654") and not _all_consecutive("abcdeg")
    accounts.check_new_password("Cool-Pass-9", user_name="alice", rules=accounts.DEFAULT_RULES)


def test_reserved_names_and_duplicates(ctx):
    with pytest.raises(InvalidInput, match="reserved"):
        accounts.create_user(ctx, "CCMSysUser", role="Read-only", password=PW)
    with pytest.raises(InvalidInput, match="reserved"):
        accounts.create_user(ctx, "cucservice", role="Read-only", password=PW)
    _user(ctx)
    with pytest.raises(Duplicate):
        _user(ctx)
    with pytest.raises(InvalidInput, match="unknown role"):
        accounts.create_user(ctx, "bob", role="Wizard", password=PW)
    assert [u.name for u in accounts.list_users(ctx)] == ["alice"]


def test_initial_admin_is_argon2id_and_role_fixed(ctx):
    pw = accounts.ensure_initial_admin(ctx)
    assert pw and accounts.ensure_initial_admin(ctx) is None
    with ctx.read() as s:
        u = s.scalar(select(User).where(User.name == "admin"))
        assert u.password_hash.startswith("$argon2id$") and pw not in u.password_hash
    admin = accounts.authenticate(ctx, "admin", pw)
    assert admin.must_change_password and admin.role == "System Administrator"
    with pytest.raises(Conflict, match="cannot be changed"):
        accounts.set_role(ctx, "admin", "Read-only")
    with pytest.raises(Conflict):
        accounts.delete_user(ctx, "admin")


def test_password_change_rules(ctx):
    _user(ctx)
    with pytest.raises(InvalidInput, match="current password"):
        accounts.change_password(ctx, "alice", current="wrong", new="Other-Pass-77")
    accounts.set_auth_rules(ctx, min_char_changes=4)
    with pytest.raises(PolicyViolation, match="at least 4"):
        accounts.change_password(ctx, "alice", current=PW, new="Sturdy-Pass-43")
    u = accounts.change_password(ctx, "alice", current=PW, new="Brand-New-77x")
    assert not u.must_change_password
    with pytest.raises(PolicyViolation, match="used recently"):
        accounts.change_password(ctx, "alice", current="Brand-New-77x", new=PW)


def test_lockout_then_unlock(ctx, clock):
    _user(ctx)
    accounts.set_auth_rules(ctx, failed_attempts=3, lockout_minutes=10)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed, match="not correct"):
            accounts.authenticate(ctx, "alice", "nope")
    with pytest.raises(AuthenticationFailed, match="locked"):
        accounts.authenticate(ctx, "alice", PW)
    clock.advance(dt.timedelta(minutes=11))
    assert accounts.authenticate(ctx, "alice", PW).name == "alice"
    accounts.set_auth_rules(ctx, lockout_minutes=None)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate(ctx, "alice", "nope")
    clock.advance(dt.timedelta(days=3))
    with pytest.raises(AuthenticationFailed, match="administrator"):
        accounts.authenticate(ctx, "alice", PW)
    accounts.unlock_user(ctx, "alice")
    assert accounts.authenticate(ctx, "alice", PW).failed_count == 0


def test_failed_count_resets_after_window(ctx, clock):
    _user(ctx)
    accounts.set_auth_rules(ctx, failed_attempts=3, reset_failed_after_minutes=30)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate(ctx, "alice", "nope")
    clock.advance(dt.timedelta(minutes=31))
    with pytest.raises(AuthenticationFailed, match="not correct"):
        accounts.authenticate(ctx, "alice", "nope")
    assert accounts.authenticate(ctx, "alice", PW)


def test_expiry_and_inactivity(ctx, clock):
    _user(ctx, must_change_password=False)
    accounts.set_auth_rules(ctx, credential_expiry_days=10, inactivity_days=30)
    clock.advance(dt.timedelta(days=11))
    assert accounts.authenticate(ctx, "alice", PW).must_change_password
    clock.advance(dt.timedelta(days=31))
    # The answer is the one every failed sign-in gets (no enumeration); the reason is audited.
    with pytest.raises(AuthenticationFailed, match="locked or disabled"):
        accounts.authenticate(ctx, "alice", PW)
    assert accounts.show_user(ctx, "alice").disabled
    accounts.unlock_user(ctx, "alice")
    assert accounts.authenticate(ctx, "alice", PW)


def test_auth_rules_validation(ctx):
    with pytest.raises(InvalidInput) as e:
        accounts.set_auth_rules(ctx, min_length=0)
    assert e.value.field == "min_length"
    with pytest.raises(InvalidInput):
        accounts.set_auth_rules(ctx, bogus=1)
    with pytest.raises(InvalidInput):
        accounts.set_auth_rules(ctx, min_length=4, min_char_changes=5)
    assert accounts.get_auth_rules(ctx) == accounts.DEFAULT_RULES


def test_sessions_limits_and_termination(ctx, clock):
    u = _user(ctx)
    accounts.set_auth_rules(ctx, max_sessions=2, idle_timeout_minutes=15)
    t1, _ = accounts.start_session(ctx, u.id, source="10.0.0.1")
    t2, _ = accounts.start_session(ctx, u.id, source="10.0.0.2")
    with pytest.raises(Conflict, match="maximum of 2"):
        accounts.start_session(ctx, u.id, source="10.0.0.3")
    assert accounts.resolve_session(ctx, t1).name == "alice"
    assert len(accounts.list_sessions(ctx, user="alice")) == 2
    assert accounts.terminate_user_sessions(ctx, "alice") == 2
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_session(ctx, t2)
    t3, _ = accounts.start_session(ctx, u.id, source="10.0.0.1")
    clock.advance(dt.timedelta(minutes=16))
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_session(ctx, t3)
    with pytest.raises(NotFound):
        accounts.terminate_user_sessions(ctx, "nobody")


def test_tokens_stored_hashed_and_revocable(ctx):
    _user(ctx)
    view, secret = accounts.create_token(ctx, "alice", name="ci")
    with ctx.read() as s:
        row = s.scalar(select(ApiToken))
        assert secret not in row.token_hash and len(row.token_hash) == 64
    assert accounts.resolve_token(ctx, secret).name == "alice"
    accounts.revoke_token(ctx, view.id)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_token(ctx, secret)


def test_allowlist(ctx):
    assert accounts.is_allowed([], "203.0.113.9")
    assert accounts.add_allowed(ctx, "10.1.0.0/16") == "10.1.0.0/16"
    assert accounts.add_allowed(ctx, "192.0.2.7") == "192.0.2.7/32"
    with pytest.raises(Duplicate):
        accounts.add_allowed(ctx, "192.0.2.7")
    with pytest.raises(InvalidInput, match="not an IP"):
        accounts.add_allowed(ctx, "10.0.0.300")
    nets = accounts.list_allowed(ctx)
    assert accounts.is_allowed(nets, "10.1.2.3") and accounts.is_allowed(nets, "192.0.2.7")
    assert not accounts.is_allowed(nets, "192.0.2.8")
    assert accounts.is_allowed(nets, "::ffff:10.1.9.9")
    accounts.delete_allowed(ctx, "10.1.0.0/16")
    with pytest.raises(NotFound):
        accounts.delete_allowed(ctx, "10.1.0.0/16")


def test_custom_roles(ctx):
    r = accounts.create_role(ctx, "Cert Viewer", privileges=["certificates:read", "ca:read"])
    assert not r.builtin
    with pytest.raises(InvalidInput, match="unknown privilege"):
        accounts.create_role(ctx, "Bad", privileges=["certificates:fly"])
    with pytest.raises(Duplicate):
        accounts.create_role(ctx, "Read-only", privileges=["ca:read"])
    _user(ctx, role="Cert Viewer")
    with pytest.raises(Conflict, match="assigned"):
        accounts.delete_role(ctx, "Cert Viewer")


def test_pbkdf2_for_fips():
    h = accounts.hash_password("Sturdy-Pass-42", scheme="pbkdf2-sha256")
    assert h.startswith("pbkdf2-sha256$")
    assert accounts.verify_password(h, "Sturdy-Pass-42")
    assert not accounts.verify_password(h, "Sturdy-Pass-43")


def test_housekeeping_disables_inactive_and_purges_sessions(ctx, clock):
    from certyard.ops.jobs import all_jobs

    assert "accounts.housekeeping" in [j.name for j in all_jobs()]
    u = _user(ctx)
    accounts.start_session(ctx, u.id, source="10.0.0.1")
    assert accounts.account_housekeeping(ctx) == {"disabled": 0, "sessions_purged": 0,
                                                  "throttles_purged": 0}
    accounts.set_auth_rules(ctx, inactivity_days=90)
    clock.advance(dt.timedelta(days=91))
    assert accounts.account_housekeeping(ctx) == {"disabled": 1, "sessions_purged": 1,
                                                  "throttles_purged": 0}
    assert accounts.show_user(ctx, "alice").disabled


def test_user_names_that_differ_only_in_case_are_one_name(ctx) -> None:  # type: ignore[no-untyped-def]
    from certyard import accounts
    from certyard.errors import Duplicate

    accounts.create_user(ctx, "carol", role="Help Desk Administrator",
                         password="Sturdy-Pass-42-Xq", must_change_password=False)
    with pytest.raises(Duplicate, match="differ by more than case"):
        accounts.create_user(ctx, "Carol", role="Help Desk Administrator",
                             password="Sturdy-Pass-42-Xq", must_change_password=False)
    assert [u.name for u in accounts.list_users(ctx) if u.name.lower() == "carol"] == ["carol"]
