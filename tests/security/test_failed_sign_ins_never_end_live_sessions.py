"""Finding 2: anonymous failed sign-ins lock the account for new sign-ins (the seed's rule)
but never end the live sessions and API tokens of a signed-in user; every failure answers
the same for real and unknown names after the same work; sign-in attempts are throttled per
source address in the database, so the count holds across replicas."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from certyard import accounts
from certyard.accounts import users as users_module
from certyard.config import Settings
from certyard.context import open_context
from certyard.server import create_app
from tests.conftest import BACKENDS
from tests.security.conftest import PASSWORD, login_token, sign_in


@pytest.fixture(params=BACKENDS)
def backend(request):  # type: ignore[no-untyped-def]
    return request.param  # the attempt counts live in the database: both backends


def _fail(client: TestClient, user: str, password: str = "Wrong-Pass-99"):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": user, "password": password,
                                       "csrf_token": login_token(client)},
                       follow_redirects=False)


def _stranger(h) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(h.client.app, base_url="https://testserver")


def test_anonymous_lockout_keeps_live_session_and_token(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    sign_in(h.client, "sysadm")
    assert h.client.get("/api/v1/users").status_code == 200
    stranger = _stranger(h)
    for _ in range(3):
        assert _fail(stranger, "sysadm").status_code == 401
    assert accounts.show_user(h.ctx, "sysadm").locked  # the seed's rule for new sign-ins
    # The signed-in administrator and their script carry on.
    assert h.client.get("/api/v1/users").status_code == 200
    r = h.client.get("/api/v1/users", headers=h.as_role("System Administrator"))
    assert r.status_code == 200
    # A new sign-in, even with the right password, is refused while locked.
    assert _fail(_stranger(h), "sysadm", PASSWORD).status_code == 401


def _message(page: str) -> str:
    m = re.search(r'class="form-error"[^>]*>([^<]+)<', page)
    return m.group(1) if m else page


def test_failures_answer_the_same_for_real_and_unknown_names(harness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    h = harness
    calls: list[str] = []
    real = users_module.verify_password

    def counting(stored: str, password: str) -> bool:
        calls.append(stored[:10])
        return real(stored, password)

    monkeypatch.setattr(users_module, "verify_password", counting)
    answers = {}
    for name in ("viewer", "nobody-here"):
        rs = [_fail(_stranger(h), name) for _ in range(4)]  # the 4th meets a locked account
        answers[name] = [(r.status_code, _message(r.text)) for r in rs]
    assert answers["viewer"] == answers["nobody-here"]
    assert accounts.show_user(h.ctx, "viewer").locked
    # A locked account with the right password answers like a wrong one.
    r = _fail(_stranger(h), "viewer", PASSWORD)
    assert (r.status_code, _message(r.text)) == answers["nobody-here"][0]
    # Every attempt verified one password hash: real, locked or unknown alike.
    assert len(calls) == 4 + 4 + 1


def test_sign_in_throttle_is_per_source_and_shared_by_replicas(ctx, env) -> None:  # type: ignore[no-untyped-def]
    from certyard import cluster

    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    accounts.create_user(ctx, "alice", role="Read-only", password=PASSWORD,
                         must_change_password=False)
    accounts.set_auth_rules(ctx, sign_in_source_attempts=4, failed_attempts=0)
    other = open_context(Settings.from_env(env))  # a second replica on the same database
    try:
        replicas = [TestClient(create_app(c), base_url="https://testserver")
                    for c in (ctx, other)]
        codes = [_fail(replicas[i % 2], f"user{i}").status_code for i in range(4)]
        assert codes == [401] * 4
        # The 5th attempt from this address is refused on either replica, even with the
        # right password, and the refusal does not say whether the name exists.
        for client in replicas:
            r = _fail(client, "alice", PASSWORD)
            assert r.status_code == 429 and "too many sign-in attempts" in r.text
        assert accounts.show_user(ctx, "alice").failed_count == 0
        # Another source is not affected.
        c = TestClient(create_app(ctx), base_url="https://testserver",
                       client=("192.0.2.7", 50000))
        r = c.post("/login", data={"username": "alice", "password": PASSWORD,
                                   "csrf_token": login_token(c)}, follow_redirects=False)
        assert r.status_code == 303
    finally:
        other.engine.dispose()


def test_sign_in_window_passes(ctx, clock) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    accounts.set_auth_rules(ctx, sign_in_source_attempts=2, sign_in_source_window_seconds=60)
    accounts.count_sign_in_attempt(ctx, "198.51.100.1")
    accounts.count_sign_in_attempt(ctx, "198.51.100.1")
    with pytest.raises(accounts.SignInThrottled):
        accounts.count_sign_in_attempt(ctx, "198.51.100.1")
    clock.advance(dt.timedelta(seconds=61))
    accounts.count_sign_in_attempt(ctx, "198.51.100.1")
    assert accounts.account_housekeeping(ctx)["throttles_purged"] == 0
    clock.advance(dt.timedelta(seconds=61))
    assert accounts.account_housekeeping(ctx)["throttles_purged"] == 1
