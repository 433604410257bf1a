"""The UI in-process: first sign-in and forced password change, pages, errors next to
fields, cookies, security headers, allowlist refusal, session termination."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from certyard import accounts
from certyard.server import create_app
from tests.api.helpers import login_token, make_harness, sign_in


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


@pytest.fixture
def h(ctx):
    return make_harness(ctx, with_ca=True)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_first_sign_in_forces_password_change(ctx):
    from certyard import cluster

    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    pw = accounts.ensure_initial_admin(ctx)
    c = TestClient(create_app(ctx), base_url="https://testserver")
    r = c.post("/login", data={"username": "admin", "password": pw})
    assert r.status_code == 403 and "expired" in r.text  # no login CSRF token
    r = c.post("/login", data={"username": "admin", "password": "wrong",
                               "csrf_token": login_token(c)})
    assert r.status_code == 401 and "not correct" in r.text
    r = c.post("/login", data={"username": "admin", "password": pw,
                               "csrf_token": login_token(c)}, follow_redirects=False)
    assert r.headers["location"] == "/account/password"
    cookie = r.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    r = c.get("/certificates", follow_redirects=False)
    assert r.headers["location"] == "/account/password"
    page = c.get("/account/password")
    r = c.post("/account/password", data={"csrf_token": _csrf(page.text),
                                          "current_password": pw, "new_password": "aaaa",
                                          "confirm_password": "aaaa"})
    assert r.status_code == 422 and 'class="field-error"' in r.text
    r = c.post("/account/password", data={"csrf_token": _csrf(page.text),
                                          "current_password": pw,
                                          "new_password": "New-Strong-Pass-9",
                                          "confirm_password": "New-Strong-Pass-9"})
    assert r.status_code == 200 and "Certificates" in r.text


def test_pages_render_for_admin(h):
    sign_in(h.client, "sysadm")
    for path in ("/certificates", "/certificates/generate-csr?purpose=tomcat",
                 "/certificates/generate-self-signed", "/certificates/upload",
                 "/certificates/download-csr", "/nodes", "/ca", "/ca?tab=issued",
                 "/ca?tab=revoked", "/accounts", "/accounts?tab=roles", "/accounts?tab=rules",
                 "/accounts?tab=sessions", "/accounts?tab=allowlist", "/account",
                 "/monitoring", "/settings"):
        r = h.client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert "<nav class=\"main\">" in r.text
    r = h.client.get("/certificates")
    assert "Self-signed" in r.text and "Find" in r.text
    r = h.client.get("/certificates/generate-csr?purpose=tomcat-ECDSA")
    assert "<option selected>384</option>" in r.text or ">384<" in r.text
    assert ">2048<" not in r.text  # EC purpose offers EC lengths only


def test_form_errors_are_next_to_the_field(h):
    csrf = sign_in(h.client, "sysadm")
    r = h.client.post("/nodes", data={"csrf_token": csrf, "name": "bad name!",
                                      "fqdn": "x.example.com"})
    assert r.status_code == 422 and 'class="field-error"' in r.text
    r = h.client.post("/nodes", data={"name": "sub1", "fqdn": "sub1.example.com"})
    assert r.status_code == 403  # no CSRF token


def test_security_headers(h):
    r = h.client.get("/login")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert "max-age" in r.headers["strict-transport-security"]


def test_allowlist_refuses_before_sign_in(h):
    accounts.add_allowed(h.ctx, "10.9.9.9")
    r = h.client.get("/login")  # TestClient's address is "testclient", not allowed
    assert r.status_code == 403 and "allowlist" in r.text
    r = h.client.get("/api/v1/me", headers=h.as_role("System Administrator"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    accounts.delete_allowed(h.ctx, "10.9.9.9")
    assert h.client.get("/login").status_code == 200


def test_terminated_session_is_signed_out(h):
    sign_in(h.client, "viewer")
    assert h.client.get("/certificates").status_code == 200
    accounts.terminate_user_sessions(h.ctx, "viewer")
    r = h.client.get("/certificates", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_sign_in_rate_limited(ctx):
    from certyard import cluster

    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    app = create_app(ctx, rate_limiter=accounts.RateLimiter(limit=3, window_seconds=60))
    c = TestClient(app, base_url="https://testserver")
    codes = [c.post("/login", data={"username": "x", "password": "y",
                                    "csrf_token": login_token(c)}) for _ in range(4)]
    assert "too many sign-in attempts" in codes[-1].text
    assert codes[-1].status_code == 429  # as documented, whichever limiter fires first


def test_max_sessions_message(h):
    accounts.set_auth_rules(h.ctx, max_sessions=1)
    sign_in(h.client, "viewer")
    other = TestClient(h.client.app, base_url="https://testserver")
    r = other.post("/login", data={"username": "viewer", "password": "Sturdy-Pass-42",
                                   "csrf_token": login_token(other)})
    assert r.status_code == 409 and "maximum of 1 active sessions" in r.text


def test_revoked_badge_after_ca_revocation(h):
    from certyard import ca, store

    store.generate_csr(h.ctx, "tomcat")
    req = ca.sign_pending(h.ctx, "tomcat", approve=True)
    ca.revoke_certificate(h.ctx, req.serial, reason="keyCompromise")
    sign_in(h.client, "viewer")
    r = h.client.get("/certificates?purpose=tomcat&type=identity")
    assert 'class="badge revoked">Revoked<' in r.text
