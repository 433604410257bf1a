"""Every route by every built-in role against the expected matrix: a route declares one
privilege (``require``), and a role gets 403 exactly when it lacks it."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from certyard.accounts import BUILTIN_ROLES
from certyard.api.acme import router as _acme_router
from certyard.http.auth import require
from tests.api.helpers import ROLE_USERS, make_harness

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane

PUBLIC = {("GET", "/login"), ("POST", "/login"),
          # load-balancer probes (certyard.server.health): no sign-in by design
          ("GET", "/healthz"), ("GET", "/readyz")}

# The ACME protocol (RFC 8555): each request is authenticated by its JWS, not a sign-in.
PUBLIC |= {(m, r.path) for r in _acme_router.routes  # type: ignore[attr-defined]
           for m in r.methods - {"HEAD"}}  # type: ignore[attr-defined]

def _privilege(route: APIRoute) -> tuple[bool, str | None]:
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, require):
            return True, dep.call.privilege
        stack.extend(dep.dependencies)
    return False, None


def _routes(app):  # type: ignore[no-untyped-def]
    """(method, full path, APIRoute) of every route, also inside included routers (which
    FastAPI keeps as lazily flattened contexts)."""
    for r in app.routes:
        pairs = []
        if isinstance(r, APIRoute):
            pairs = [(r.path, r)]
        elif hasattr(r, "effective_route_contexts"):
            pairs = [(c.path, c.original_route) for c in r.effective_route_contexts()
                     if isinstance(c.original_route, APIRoute)]
        for path, route in pairs:
            for m in sorted(route.methods - {"HEAD"}):
                yield m, path, route


@pytest.fixture(params=["sqlite"])
def backend(request):  # one backend is enough: authorization does not depend on it
    return request.param


def test_every_route_declares_a_privilege(ctx):
    h = make_harness(ctx)
    routes = list(_routes(h.client.app))
    assert len(routes) > 60
    undeclared = [(m, p) for m, p, r in routes if not _privilege(r)[0] and (m, p) not in PUBLIC]
    assert not undeclared


def test_routes_by_roles_matrix(ctx):
    h = make_harness(ctx)
    checked = 0
    for method, path, route in _routes(h.client.app):
        declared, priv = _privilege(route)
        if not declared:
            continue
        url = re.sub(r"\{[^}]+\}", "999999", path)
        for role in ROLE_USERS:
            r = h.client.request(method, url, headers=h.as_role(role), follow_redirects=False)
            allowed = priv is None or priv in BUILTIN_ROLES[role]
            assert r.status_code != 401, (method, url, role, r.text)
            if allowed:
                assert r.status_code != 403, (method, url, role, r.text)
            else:
                assert r.status_code == 403, (method, url, role, r.status_code)
            # 503 only as "not initialised" (no CA yet in this harness), as in the security sweep.
            assert r.status_code < 500 or (r.status_code == 503 and "initialis" in r.text), \
                (method, url, role, r.text)
            checked += 1
    assert checked > 200


def test_no_credentials_is_401_or_sign_in(ctx):
    h = make_harness(ctx)
    r = h.client.get("/api/v1/certificates")
    assert r.status_code == 401
    assert r.json() == {"error": {"code": "unauthenticated", "message": "sign in first",
                                  "field": None}}
    r = h.client.get("/certificates", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
