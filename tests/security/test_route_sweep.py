"""Every route of every listener, by every built-in role, by every method — generated from
the apps' own route tables, so a route added later is swept without anyone listing it.

- HTTPS app (web UI + REST API): every route declares its privilege (``require``) or is in
  the explicit public allow-list below; a role lacking the privilege gets 401/403, never a
  2xx or a 500; no credentials get 401 (API) or the sign-in redirect (UI); an unsafe
  cookie-authenticated request without the CSRF token is refused.
- Plain-HTTP app: only the allow-listed anonymous routes (CA, CRL, OCSP, health) exist there;
  the rest redirects to HTTPS.
- Agent app: the allow-listed routes; those not for enrollment refuse a caller without an
  enrolled agent's client certificate.
- With real key material in the store, no response to a role without ``keys:read`` holds a
  private key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from certyard.accounts import BUILTIN_ROLES
from certyard.api.acme import router as _acme_router
from certyard.http.auth import require
from tests.security.conftest import ROLE_USERS, sign_in

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane


@pytest.fixture
def backend() -> str:
    return "sqlite"  # authorization and key access do not depend on the storage backend

# Reachable without signing in, on purpose (each with its reason).
PUBLIC_HTTPS = {
    ("GET", "/login"), ("POST", "/login"),        # signing in
    ("GET", "/healthz"), ("GET", "/readyz"),      # load-balancer probes, no data
}
# The ACME protocol (RFC 8555): each request is authenticated by its JWS, not a sign-in.
PUBLIC_HTTPS |= {(m, r.path) for r in _acme_router.routes  # type: ignore[attr-defined]
           for m in r.methods - {"HEAD"}}  # type: ignore[attr-defined]
# The plain-HTTP listener: what must be reachable without TLS or login (DESIGN.md).
PUBLIC_HTTP_PREFIXES = ("/ca", "/healthz", "/readyz", "/ocsp", "/crl", "/{path:path}")
# The agent listener: enrollment is authenticated by its one-time token, /ca is the public
# chain, /trustlist the signed trust lists any endpoint may fetch (`certyard trustlist
# fetch`); everything else needs an enrolled agent's client certificate.
AGENT_TOKEN_OR_PUBLIC = {("POST", "/agent/v1/enroll"), ("GET", "/agent/v1/ca"),
                         ("GET", "/agent/v1/trustlist")}
PLACEHOLDER = "999999"


def routes(app: Any) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, full path, route) of every route, also inside included routers."""
    for r in app.routes:
        pairs: list[tuple[str, Any]] = []
        if isinstance(r, APIRoute):
            pairs = [(r.path, r)]
        elif hasattr(r, "effective_route_contexts"):
            pairs = [(c.path, c.original_route) for c in r.effective_route_contexts()
                     if isinstance(c.original_route, APIRoute)]
        for path, route in pairs:
            for m in sorted(route.methods - {"HEAD"}):
                yield m, path, route


def declared_privilege(route: APIRoute) -> tuple[bool, str | None]:
    """(declared?, privilege) from the route's ``require`` dependency (None: any user)."""
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, require):
            return True, dep.call.privilege
        stack.extend(dep.dependencies)
    return False, None


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", PLACEHOLDER, path)


def test_every_https_route_declares_a_privilege_or_is_public(harness) -> None:  # type: ignore[no-untyped-def]
    found = list(routes(harness.client.app))
    assert len(found) > 60
    undeclared = sorted({(m, p) for m, p, r in found
                         if not declared_privilege(r)[0] and (m, p) not in PUBLIC_HTTPS})
    assert not undeclared, f"routes without a privilege and not public: {undeclared}"
    # The allow-list names only routes that exist (no stale exceptions).
    assert PUBLIC_HTTPS <= {(m, p) for m, p, _ in found}


def test_route_role_method_sweep(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    checked = 0
    for method, path, route in routes(h.client.app):
        declared, priv = declared_privilege(route)
        if not declared:
            continue
        url = _url(path)
        for role in ROLE_USERS:
            r = h.client.request(method, url, headers=h.as_role(role), follow_redirects=False)
            allowed = priv is None or priv in BUILTIN_ROLES[role]
            # 503 is the designed answer of a store not initialised yet (NotInitialised)
            assert r.status_code < 500 or r.status_code == 503, \
                (method, url, role, r.status_code, r.text[:300])
            if allowed:
                assert r.status_code not in (401, 403) or _domain_refusal(r), \
                    (method, url, role, r.status_code, r.text[:300])
            else:
                assert r.status_code in (401, 403), (method, url, role, r.status_code)
            checked += 1
    assert checked > 300


def _domain_refusal(r: Any) -> bool:
    """A 403 the service layer raised for this object (e.g. the no-escalation rule), not
    the route's privilege check — the privilege check names the privilege."""
    return r.status_code == 403 and "does not allow this" not in r.text


def test_no_credentials_are_refused_everywhere(harness) -> None:  # type: ignore[no-untyped-def]
    anon = TestClient(harness.client.app, base_url="https://testserver")
    for method, path, _route in routes(anon.app):
        if (method, path) in PUBLIC_HTTPS:
            continue
        url = _url(path)
        r = anon.request(method, url, follow_redirects=False)
        if path.startswith("/api/") or path == "/metrics":
            assert r.status_code == 401, (method, url, r.status_code)
        else:
            assert r.status_code in (401, 303), (method, url, r.status_code)
            if r.status_code == 303:
                assert r.headers["location"].startswith("/login"), (method, url)


def test_unsafe_cookie_requests_need_the_csrf_token(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    browser = TestClient(h.client.app, base_url="https://testserver")
    sign_in(browser, "sysadm")
    checked = 0
    for method, path, _route in routes(browser.app):
        if method in ("GET", "OPTIONS") or (method, path) in PUBLIC_HTTPS:
            continue
        if path == "/logout":
            continue  # signing out (ends only your own session) is checked last
        r = browser.request(method, _url(path), follow_redirects=False)
        assert r.status_code == 403, (method, path, r.status_code, r.text[:200])
        checked += 1
    assert checked > 50


def test_plain_http_listener_serves_only_the_public_routes(ctx) -> None:  # type: ignore[no-untyped-def]
    from certyard.server.app import create_http_app

    app = create_http_app(ctx, https_port=8443)
    extra = sorted({(m, p) for m, p, _ in routes(app)
                    if not p.startswith(PUBLIC_HTTP_PREFIXES)})
    assert not extra, f"plain-HTTP routes outside the public allow-list: {extra}"
    c = TestClient(app, base_url="http://testserver")
    for url in ("/api/v1/users", "/accounts", "/nodes/agents", "/api/v1/agents"):
        r = c.get(url, follow_redirects=False)
        assert r.status_code in (301, 302, 307, 308), (url, r.status_code)


def test_agent_listener_needs_an_enrolled_client_certificate(ctx) -> None:  # type: ignore[no-untyped-def]
    from certyard import ca, cluster
    from certyard.server.agent_listener import create_agent_app

    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx)
    app = create_agent_app(ctx)
    c = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    found = list(routes(app))
    assert found
    for method, path, _route in found:
        if (method, path) in AGENT_TOKEN_OR_PUBLIC:
            continue
        body = {"csr": "x", "version": "", "ok": True, "error": "", "fingerprints": {}}
        r = c.request(method, _url(path), json=body, follow_redirects=False)
        assert r.status_code in (401, 403), (method, path, r.status_code, r.text[:200])
        assert "PRIVATE KEY" not in r.text
    r = c.post("/agent/v1/enroll", json={"csr": "x"})
    assert r.status_code in (400, 401, 403, 422) and "PRIVATE KEY" not in r.text


def test_no_response_holds_a_private_key_for_roles_without_key_access(harness_ca) -> None:  # type: ignore[no-untyped-def]
    from certyard import store

    h = harness_ca
    store.generate_self_signed(h.ctx, "tomcat")  # real keys in the store
    pages = [(m, p) for m, p, r in routes(h.client.app)
             if m == "GET" and "{" not in p and (m, p) not in PUBLIC_HTTPS]
    for role, privileges in BUILTIN_ROLES.items():
        if "keys:read" in privileges:
            continue
        for _m, path in pages:
            r = h.client.get(path, headers=h.as_role(role), follow_redirects=False)
            assert "PRIVATE KEY" not in r.text, (role, path)
        for entry in store.find_entries(h.ctx, page_size=1000).items:
            for suffix in ("", "/download"):
                r = h.client.get(f"/api/v1/certificates/{entry.id}{suffix}",
                                 headers=h.as_role(role))
                assert "PRIVATE KEY" not in r.text, (role, entry.id, suffix)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_every_builtin_role_is_swept(role: str) -> None:
    assert role in BUILTIN_ROLES  # the sweep above walks ROLE_USERS: all built-in roles
    assert set(ROLE_USERS) == set(BUILTIN_ROLES)


def test_the_api_description_is_public_and_holds_no_data(harness) -> None:  # type: ignore[no-untyped-def]
    anon = TestClient(harness.client.app, base_url="https://testserver")
    r = anon.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert "/api/v1/ca/issued" in doc["paths"]
    for secret in harness.tokens.values():
        assert secret not in r.text
    assert "BEGIN" not in r.text  # no certificate, key or CSR
