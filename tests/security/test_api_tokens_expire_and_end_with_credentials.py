"""Finding 3: API tokens expire (default and maximum from the authentication rules), are
listed and revocable by their owner and by administrators, end with a password reset and
with "terminate all sessions", and a token's principal must change its password first."""

from __future__ import annotations

import datetime as dt

import pytest

from certyard import accounts
from certyard.errors import InvalidInput


@pytest.fixture
def backend() -> str:
    return "sqlite"  # authorization and key access do not depend on the storage backend


def _ok(h, role: str) -> int:  # type: ignore[no-untyped-def]
    return h.client.get("/api/v1/me", headers=h.as_role(role)).status_code


def test_tokens_expire_by_the_rules(harness, clock) -> None:  # type: ignore[no-untyped-def]
    h = harness
    accounts.set_auth_rules(h.ctx, api_token_days=10, api_token_max_days=30)
    view, secret = accounts.create_token(h.ctx, "viewer", name="short")
    assert view.expires_at == view.created_at + dt.timedelta(days=10)
    with pytest.raises(InvalidInput, match="1 to 30 days"):
        accounts.create_token(h.ctx, "viewer", name="long", days=31)
    r = h.client.post("/api/v1/me/tokens", json={"name": "x", "days": 31},
                      headers=h.as_role("Read-only"))
    assert r.status_code == 422
    headers = {"Authorization": f"Bearer {secret}"}
    assert h.client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(dt.timedelta(days=10, seconds=1))
    assert h.client.get("/api/v1/me", headers=headers).status_code == 401
    assert secret[:10] not in [t.prefix for t in accounts.list_tokens(h.ctx, user="viewer")]
    # The harness' own tokens were made with the default 90 days: the maximum applies.
    assert _ok(h, "Read-only") == 200
    clock.advance(dt.timedelta(days=90))
    assert _ok(h, "Read-only") == 401


def test_password_reset_and_terminate_all_end_tokens(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    assert _ok(h, "Read-only") == 200 and _ok(h, "Audit Administrator") == 200
    accounts.reset_password(h.ctx, "viewer", "Another-Pass-77", must_change_password=False)
    assert _ok(h, "Read-only") == 401
    accounts.terminate_user_sessions(h.ctx, "auditor")
    assert _ok(h, "Audit Administrator") == 401
    assert accounts.list_tokens(h.ctx, user="viewer") == []
    assert accounts.list_tokens(h.ctx, user="auditor") == []


def test_token_principal_must_change_password_first(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    accounts.reset_password(h.ctx, "certadm", "Another-Pass-77")  # must change at next use
    _, secret = accounts.create_token(h.ctx, "certadm", name="script")
    headers = {"Authorization": f"Bearer {secret}"}
    r = h.client.get("/api/v1/certificates", headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "password_change_required"
    assert h.client.get("/api/v1/me", headers=headers).json()["must_change_password"]
    r = h.client.post("/api/v1/me/password", headers=headers,
                      json={"current_password": "Another-Pass-77",
                            "new_password": "Third-Pass-881"})
    assert r.status_code == 200, r.text
    assert h.client.get("/api/v1/certificates", headers=headers).status_code == 200


def test_owner_and_administrators_list_and_revoke(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    mine = h.client.get("/api/v1/me/tokens", headers=h.as_role("Read-only")).json()
    assert [t["user"] for t in mine] == ["viewer"] and mine[0]["expires_at"]
    listed = h.client.get("/api/v1/tokens", headers=h.as_role("System Administrator")).json()
    assert {t["user"] for t in listed} >= {"viewer", "sysadm"}
    # The administrators' web page lists them with a revoke button.
    page = h.client.get("/accounts?tab=tokens", headers=h.as_role("System Administrator"))
    assert page.status_code == 200 and 'id="api-tokens"' in page.text
    token_id = mine[0]["id"]
    r = h.client.delete(f"/api/v1/tokens/{token_id}", headers=h.as_role("System Administrator"))
    assert r.status_code == 200
    assert _ok(h, "Read-only") == 401


def test_token_cli_shows_expiry(cli, env) -> None:  # type: ignore[no-untyped-def]
    env["CERTYARD_NEW_PASSWORD"] = "Sturdy-Pass-42"  # no terminal to ask on
    assert cli("user", "add", "bob", "--role", "Read-only").code == 0
    out = cli("token", "create", "bob", "--name", "ci", "--days", "7", "--json")
    assert out.code == 0, out.stderr
    assert out.json()["expires_at"]
    bad = cli("token", "create", "bob", "--name", "ci", "--days", "9999")
    assert bad.code == 2 and "days" in bad.stderr
