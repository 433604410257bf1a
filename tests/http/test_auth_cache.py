"""The HTTP layer's cache of token principals and the admin allowlist
(accounts.authcache): no database read per request, yet a revoked token, a disabled user or
a changed allowlist takes effect at once when the change is made in this process (by any of
its contexts), and within RECHECK_SECONDS when another process (a replica, the host CLI)
makes it. Time is moved on the cache's injected monotonic clock, never slept. Both
backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from certyard import accounts, cluster
from certyard.accounts.authcache import RECHECK_SECONDS, AuthCache
from certyard.config import Settings
from certyard.context import open_context
from certyard.server import create_app

PASSWORD = "Sturdy-Pass-42-Xq"
URL = "/api/v1/ca/issued"  # GET: the issued certificates (ca:read)


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(ctx: Any) -> tuple[TestClient, Ticks]:
    app = create_app(ctx)
    ticks = Ticks()
    cache: AuthCache = app.state.auth_cache  # the one the guard and the routes use
    cache.monotonic = ticks
    return TestClient(app, base_url="https://testserver",
                      raise_server_exceptions=False), ticks


def _user(ctx: Any, name: str = "reader") -> tuple[str, int]:
    accounts.create_user(ctx, name, role="Certificate Administrator", password=PASSWORD,
                         must_change_password=False)
    view, secret = accounts.create_token(ctx, name, name="t")
    return secret, view.id


def _certyard(env: dict[str, str], *args: str) -> None:
    """The host CLI in a process of its own: its writes are not seen by this process's
    session events, only by re-reading the store."""
    run_env = {**os.environ, **env}
    cli = str(Path(sys.executable).parent / "certyard")  # this interpreter's, not PATH's
    done = subprocess.run([cli, *args], env=run_env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def test_revoked_token_is_refused_at_once_across_contexts_of_one_process(
        ctx: Any, env: dict[str, str]) -> None:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    secret, token_id = _user(ctx)
    client, _ticks = _app(ctx)
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(URL, headers=auth).status_code == 200
    assert client.get(URL, headers=auth).status_code == 200  # from the cache
    other = open_context(Settings.from_env(env))  # a second context on the same store
    try:
        accounts.revoke_token(other, token_id)
    finally:
        other.engine.dispose()
    r = client.get(URL, headers=auth)
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "unauthenticated"


def test_disabled_role_change_applies_at_once_in_process(ctx: Any) -> None:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    secret, _ = _user(ctx)
    client, _ticks = _app(ctx)
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(URL, headers=auth).status_code == 200
    accounts.set_role(ctx, "reader", "Audit Administrator")  # no ca:read
    assert client.get(URL, headers=auth).status_code == 403


def test_token_revoked_by_another_process_is_refused_within_the_bound(
        ctx: Any, env: dict[str, str]) -> None:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    secret, token_id = _user(ctx)
    client, ticks = _app(ctx)
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(URL, headers=auth).status_code == 200
    _certyard(env, "token", "revoke", str(token_id), "--yes")
    # Within the bound the cached principal may still answer; past it, never.
    ticks.now += RECHECK_SECONDS
    r = client.get(URL, headers=auth)
    assert r.status_code == 401, r.text
    # A refused token is not kept: still refused, and no entry holds it.
    assert client.get(URL, headers=auth).status_code == 401


def test_allowlist_changes_apply_in_process_at_once_and_from_elsewhere_within_the_bound(
        ctx: Any, env: dict[str, str]) -> None:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    secret, _ = _user(ctx)
    client, ticks = _app(ctx)
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(URL, headers=auth).status_code == 200
    other = open_context(Settings.from_env(env))
    try:
        # The test client's address ("testclient") is in no range: refused at once.
        accounts.add_allowed(other, "192.0.2.0/24")
    finally:
        other.engine.dispose()
    r = client.get(URL, headers=auth)
    assert r.status_code == 403, r.text
    assert "allowlist" in r.json()["error"]["message"]
    assert r.headers["x-frame-options"] == "DENY"  # the security headers on refusals too
    _certyard(env, "allowlist", "delete", "192.0.2.0/24", "--yes")
    ticks.now += RECHECK_SECONDS
    assert client.get(URL, headers=auth).status_code == 200


def test_expired_token_is_refused_even_when_cached(ctx: Any, clock: Any) -> None:
    import datetime as dt

    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    accounts.create_user(ctx, "short", role="Certificate Administrator", password=PASSWORD,
                         must_change_password=False)
    _view, secret = accounts.create_token(ctx, "short", name="t", days=1)
    client, _ticks = _app(ctx)
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(URL, headers=auth).status_code == 200
    clock.advance(dt.timedelta(days=1, seconds=1))
    assert client.get(URL, headers=auth).status_code == 401
