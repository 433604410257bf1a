"""The policy/probe REST routes over the in-process app, with role checks."""

from __future__ import annotations

import pytest

from certyard.api.v1.policy import router
from tests.api.helpers import make_harness
from tests.probe.tlspki import NOW, issue, pem


@pytest.fixture
def h(ctx):  # type: ignore[no-untyped-def]
    harness = make_harness(ctx)
    paths = {getattr(r, "path", "") for r in harness.client.app.routes}
    if "/api/v1/policy/tls" not in paths:  # until certyard.api.v1 includes it
        harness.client.app.include_router(router, prefix="/api/v1")
    return harness


def test_tls_policy_routes(h) -> None:  # type: ignore[no-untyped-def]
    admin, viewer = h.as_role("System Administrator"), h.as_role("Read-only")
    r = h.client.get("/api/v1/policy/tls", headers=viewer)
    assert r.status_code == 200 and r.json()["min_version"] == "1.2"
    assert h.client.put("/api/v1/policy/tls/min-version", json={"version": "1.3"},
                        headers=viewer).status_code == 403
    r = h.client.put("/api/v1/policy/tls/min-version", json={"version": "1.3"}, headers=admin)
    assert r.status_code == 200 and r.json()["value"]["min_version"] == "1.3"
    assert h.client.put("/api/v1/policy/tls/min-version", json={"version": "0.9"},
                        headers=admin).status_code == 422
    bad = h.client.put("/api/v1/policy/tls/ciphers/all", json={"string": "NOT-A-CIPHER"},
                       headers=admin)
    assert bad.status_code == 422 and "OpenSSL refused" in bad.text
    ok = h.client.put("/api/v1/policy/tls/ciphers/https", json={"string": "ECDHE+AESGCM"},
                      headers=admin)
    assert ok.status_code == 200 and ok.json()["details"]["resolved"]["tls12"]
    assert h.client.put("/api/v1/policy/tls/https-ciphers", json={"option": "ec-and-rsa"},
                        headers=admin).status_code == 200


def test_modes_and_verify_routes(h) -> None:  # type: ignore[no-untyped-def]
    admin = h.as_role("System Administrator")
    r = h.client.post("/api/v1/policy/enhanced-security/enable", headers=admin)
    assert r.status_code == 422 and "FIPS mode is off" in r.text
    assert h.client.post("/api/v1/policy/fips/enable", json={},
                         headers=admin).status_code == 422  # no security password yet
    r = h.client.put("/api/v1/policy/security-password",
                     json={"password": "Security-Passw0rd-2026"}, headers=admin)
    assert r.status_code == 200 and r.json()["meets_fips_length"]
    assert "Passw0rd" not in h.client.get("/api/v1/policy/security-password",
                                          headers=admin).text
    assert h.client.put("/api/v1/policy/security-password",
                        json={"password": "Another-Passw0rd-2026", "current": "wrong"},
                        headers=admin).status_code in (401, 403, 422)
    with h.ctx.transaction() as s:
        from certyard.db.models import Setting
        s.add(Setting(name="syslog", value={"host": "127.0.0.1", "enabled": True},
                      updated_at=h.ctx.clock.now()))
    assert h.client.post("/api/v1/policy/fips/enable", json={}, headers=admin).json()["enabled"]
    assert h.client.post("/api/v1/policy/enhanced-security/enable",
                         headers=admin).status_code == 200
    root = issue("API Root", ca=True)
    leaf = issue("api.example", issuer=root, sans=("api.example",))
    body = {"certificate": pem(leaf).decode(), "trusted": pem(root).decode(),
            "hostname": "api.example", "at": NOW.isoformat()}
    r = h.client.post("/api/v1/certificates/verify", json=body, headers=admin)
    assert r.status_code == 200 and r.json()["valid"] and len(r.json()["path"]) == 2
    body["hostname"] = "other.example"
    assert h.client.post("/api/v1/certificates/verify", json=body,
                         headers=admin).json()["valid"] is False
