"""Managing ACME from the CLI and the API: profiles, EAB keys (the HMAC key shown once),
accounts, orders, settings; bad input is a one-line error that changes nothing; every
change is audited; managing ACME is CA administration."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from certyard import acme
from certyard.db.models.audit import AuditEvent
from tests.api.helpers import make_harness


def test_cli_profiles_eab_and_settings(ctx: Any, cli: Any) -> None:
    r = cli("acme", "profile", "add", "web", "--suffix", "example.com", "--network",
            "10.0.0.0/8", "--days", "60", "--approval", "required", "--json")
    assert r.code == 0, r.stderr
    p = r.json()
    assert p["allowed_suffixes"] == ["example.com"] and p["approval"] == "required"
    assert p["days"] == 60 and p["allowed_networks"] == ["10.0.0.0/8"]
    assert cli("acme", "profile", "list", "--json").json()["items"][0]["name"] == "web"
    r = cli("acme", "profile", "update", "web", "--eab-required", "on", "--json")
    assert r.json()["eab_required"] is True
    assert "example.com" in cli("acme", "profile", "show", "web").stdout

    for args in (["--days", "0"], ["--approval", "maybe"], ["--network", "10.0.0.300/8"]):
        r = cli("acme", "profile", "add", "bad", "--suffix", "example.com", *args)
        assert r.code == 2, (args, r.stdout, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    r = cli("acme", "profile", "add", "empty")
    assert r.code == 2 and "some identifiers" in r.stderr
    assert [p.name for p in acme.list_profiles(ctx)] == ["web"]
    assert cli("acme", "profile", "add", "web", "--suffix", "x.org").code == 5

    r = cli("acme", "eab", "create", "web", "--json")
    assert r.code == 0
    created = r.json()
    assert len(created["hmac_key"]) >= 43
    listed = cli("acme", "eab", "list", "--json").stdout
    assert created["kid"] in listed and created["hmac_key"] not in listed
    assert cli("acme", "eab", "revoke", created["kid"]).code == 0
    assert cli("acme", "eab", "revoke", created["kid"]).code == 5
    assert cli("acme", "eab", "create", "nope").code == 4

    r = cli("acme", "settings", "--http-port", "8080", "--dns-resolver", "127.0.0.1:5353",
            "--allowed-network", "192.0.2.0/24", "--json")
    assert r.json()["http_port"] == 8080 and r.json()["dns_resolver"] == "127.0.0.1:5353"
    assert cli("acme", "settings", "--dns-resolver", "dns.example:53").code == 2
    assert cli("acme", "settings", "--http-port", "70000").code == 2
    assert cli("acme", "settings", "--json").json()["allowed_networks"] == ["192.0.2.0/24"]

    assert cli("acme", "account", "list", "--json").json() == {"items": [], "total": 0}
    assert cli("acme", "order", "list", "--status", "odd").code == 2
    assert cli("acme", "order", "show", "nope").code == 4
    assert cli("acme", "account", "deactivate", "nope", "--yes").code == 4
    assert cli("acme", "profile", "remove", "web", "--yes").code == 0
    assert acme.list_profiles(ctx) == []

    with ctx.read() as s:
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"acme.profile.add", "acme.profile.update", "acme.eab.create", "acme.eab.revoke",
            "acme.settings.update", "acme.profile.remove"} <= actions


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_api_management_and_privileges(ctx: Any) -> None:
    h = make_harness(ctx)
    admin, viewer = h.as_role("System Administrator"), h.as_role("Read-only")
    body = {"name": "web", "allowed_suffixes": ["example.com"], "eab_required": True}
    assert h.client.post("/api/v1/acme/profiles", json=body, headers=viewer).status_code == 403
    r = h.client.post("/api/v1/acme/profiles", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert h.client.get("/api/v1/acme/profiles", headers=viewer).json()[0]["name"] == "web"
    r = h.client.patch("/api/v1/acme/profiles/web", json={"days": 2000}, headers=admin)
    assert r.status_code == 422
    r = h.client.patch("/api/v1/acme/profiles/web", json={"approval": "required"},
                       headers=admin)
    assert r.json()["approval"] == "required"
    r = h.client.post("/api/v1/acme/eab-keys", json={"profile": "web"}, headers=admin)
    assert r.status_code == 201 and r.json()["hmac_key"]
    kid, secret = r.json()["kid"], r.json()["hmac_key"]
    listed = h.client.get("/api/v1/acme/eab-keys", headers=viewer).text
    assert kid in listed and secret not in listed
    assert h.client.post(f"/api/v1/acme/eab-keys/{kid}/revoke",
                         headers=viewer).status_code == 403
    assert h.client.post(f"/api/v1/acme/eab-keys/{kid}/revoke",
                         headers=admin).json()["status"] == "revoked"
    r = h.client.patch("/api/v1/acme/settings", json={"dns_resolver": "nope"}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["field"] == "dns_resolver"
    assert h.client.get("/api/v1/acme/orders?status=valid", headers=viewer).json() == []
    assert h.client.get("/api/v1/acme/orders/nope", headers=viewer).status_code == 404
    assert h.client.delete("/api/v1/acme/profiles/web", headers=admin).status_code == 204
