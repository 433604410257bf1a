"""The REST routes of IPsec, bulk and audit/syslog, in-process, with role checks."""

from __future__ import annotations

import csv
import io

import pytest

from tests.api.helpers import make_harness

ADMIN, AUDITOR, VIEWER = "System Administrator", "Audit Administrator", "Read-only"


@pytest.fixture
def backend(request):  # type: ignore[no-untyped-def]
    return "sqlite"  # routes map to the same services tested on both backends


@pytest.fixture
def h(ctx):  # type: ignore[no-untyped-def]
    return make_harness(ctx)


def test_ipsec_routes(h) -> None:  # type: ignore[no-untyped-def]
    body = {"group_name": "g1", "name": "p1", "preshared_key": "Api-key-12345",
            "destination_address": "192.0.2.7", "source_address": "192.0.2.8",
            "protocol": "UDP", "destination_port": 500}
    r = h.client.post("/api/v1/ipsec/policies", json=body, headers=h.as_role(ADMIN))
    assert r.status_code == 201, r.text
    assert "preshared_key" not in r.json() and r.json()["has_preshared_key"]
    r = h.client.post("/api/v1/ipsec/policies", json={**body, "name": "bad name"},
                      headers=h.as_role(ADMIN))
    assert r.status_code == 422 and "letters, digits and hyphens" in r.text
    assert h.client.post("/api/v1/ipsec/policies", json={**body, "name": "p2"},
                         headers=h.as_role(VIEWER)).status_code == 403
    r = h.client.patch("/api/v1/ipsec/policies/p1", json={"enabled": False},
                       headers=h.as_role(ADMIN))
    assert r.status_code == 200 and r.json()["enabled"] is False
    lst = h.client.get("/api/v1/ipsec/policies", headers=h.as_role(VIEWER)).json()
    assert [p["name"] for p in lst] == ["p1"] and "Api-key" not in str(lst)
    h.client.patch("/api/v1/ipsec/policies/p1", json={"enabled": True}, headers=h.as_role(ADMIN))
    r = h.client.get("/api/v1/ipsec/export/swanctl", headers=h.as_role(ADMIN))
    assert r.status_code == 200 and "g1-p1" in r.json()["files"]["swanctl.conf"]
    r = h.client.post("/api/v1/ipsec/policies/delete", json={"names": ["p1", "zz"]},
                      headers=h.as_role(ADMIN))
    assert r.status_code == 404
    r = h.client.post("/api/v1/ipsec/policies/delete", json={"names": ["p1"]},
                      headers=h.as_role(ADMIN))
    assert r.json() == {"deleted": ["p1"]}


def test_audit_and_syslog_routes(h) -> None:  # type: ignore[no-untyped-def]
    r = h.client.get("/api/v1/audit/events", params={"limit": 50},
                     headers=h.as_role(AUDITOR))
    assert r.status_code == 200 and r.json()
    assert h.client.get("/api/v1/audit/events", headers=h.as_role(VIEWER)).status_code == 403
    r = h.client.get("/api/v1/audit/export", params={"format": "csv"},
                     headers=h.as_role(AUDITOR))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert next(iter(csv.DictReader(io.StringIO(r.text))))["action"]
    assert h.client.get("/api/v1/audit/verify", headers=h.as_role(AUDITOR)).json()["ok"]
    r = h.client.put("/api/v1/syslog/protocol", json={"protocol": "tcp"},
                     headers=h.as_role(AUDITOR))
    assert r.status_code == 200 and r.json()["protocol"] == "tcp"
    r = h.client.put("/api/v1/syslog", json={"enabled": True}, headers=h.as_role(AUDITOR))
    assert r.status_code == 422 and "before enabling" in r.text


def test_bulk_routes(h) -> None:  # type: ignore[no-untyped-def]
    assert h.client.get("/api/v1/bulk/sftp", headers=h.as_role(ADMIN)).status_code == 404
    r = h.client.put("/api/v1/bulk/sftp", json={
        "host": "sftp.example.com", "user_id": "u", "directory": "/d", "password": "pw"},
        headers=h.as_role(ADMIN))
    assert r.status_code == 422 and "never accepted blindly" in r.text
    r = h.client.put("/api/v1/bulk/sftp", json={
        "host": "sftp.example.com", "user_id": "u", "directory": "/d", "password": "pw",
        "host_key_fingerprint": "SHA256:" + "B" * 43}, headers=h.as_role(ADMIN))
    assert r.status_code == 200 and "pw" not in r.text.replace("has_password", "")
    r = h.client.post("/api/v1/bulk/export", json={"scope": "everything"},
                      headers=h.as_role(ADMIN))
    assert r.status_code == 422
