"""The Audit, IPsec and Bulk pages in-process: rendering, inline errors, role checks."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from certyard.server import create_app
from tests.api.helpers import make_harness, sign_in


@pytest.fixture
def backend(request):  # type: ignore[no-untyped-def]
    return "sqlite"


@pytest.fixture
def h(ctx):  # type: ignore[no-untyped-def]
    return make_harness(ctx)


def _client(h, user: str):  # type: ignore[no-untyped-def]
    c = TestClient(create_app(h.ctx), base_url="https://testserver")
    return c, sign_in(c, user)


def test_audit_page_filters_exports_verifies(h) -> None:  # type: ignore[no-untyped-def]
    c, csrf = _client(h, "auditor")
    r = c.get("/audit", params={"outcome": "success"})
    assert r.status_code == 200 and "<table class=\"data\" id=\"audit\">" in r.text
    r = c.get("/audit", params={"since": "yesterday"})
    assert r.status_code == 422 and "is not a date" in r.text
    r = c.get("/audit/export", params={"format": "csv"})
    assert r.status_code == 200 and r.text.startswith("id,at,actor")
    r = c.post("/audit/verify", data={"csrf_token": csrf})
    assert r.status_code == 200 and "Audit trail intact" in r.text
    r = c.post("/audit/syslog", data={"csrf_token": csrf, "host": "bad host!",
                                      "protocol": "tcp", "enabled": "true"})
    assert r.status_code == 422 and "neither an IP address" in r.text
    viewer, _ = _client(h, "viewer")
    assert viewer.get("/audit").status_code == 403


def test_ipsec_page_add_toggle_delete(h) -> None:  # type: ignore[no-untyped-def]
    c, csrf = _client(h, "sysadm")
    assert c.get("/ipsec").status_code == 200
    form = {"csrf_token": csrf, "group_name": "g", "name": "web-1", "auth_method":
            "pre-shared-key", "preshared_key": "Web-key-123456", "peer_type": "same",
            "destination_address": "192.0.2.30", "source_address": "192.0.2.31",
            "destination_port": "any", "source_port": "any", "mode": "transport",
            "remote_port": "500", "protocol": "Any", "encryption_algorithm": "3DES",
            "hash_algorithm": "SHA256", "esp_algorithm": "AES-256-GCM",
            "phase1_lifetime": "28800", "phase1_dh": "14", "phase2_lifetime": "3600",
            "phase2_dh": "14", "enabled": "true"}
    r = c.post("/ipsec", data={**form, "name": "bad name"})
    assert r.status_code == 422 and "letters, digits and hyphens" in r.text
    assert "Web-key-123456" not in r.text  # the key is never echoed back
    r = c.post("/ipsec", data=form)
    assert r.status_code == 200 and "web-1" in r.text and "encryption 3DES</span>" in r.text
    r = c.post("/ipsec/web-1/enabled", data={"csrf_token": csrf, "enabled": "false"})
    assert r.status_code == 200 and "disabled" in r.text
    r = c.post("/ipsec/delete", data={"csrf_token": csrf, "names": ["web-1"]})
    assert r.status_code == 200 and "No IPsec policies" in r.text


def test_bulk_page_settings_errors(h) -> None:  # type: ignore[no-untyped-def]
    c, csrf = _client(h, "sysadm")
    assert "Bulk Certificate Management" in c.get("/bulk").text
    r = c.post("/bulk/sftp", data={"csrf_token": csrf, "host": "sftp.example.com",
                                   "user_id": "u", "directory": "users", "password": "pw",
                                   "host_key_fingerprint": "SHA256:" + "C" * 43})
    assert r.status_code == 422 and "absolute path" in r.text
    r = c.post("/bulk/export", data={"csrf_token": csrf, "scope": "tomcat"})
    assert r.status_code == 404 and "Set up the SFTP server above first." in r.text
    assert "not found" not in r.text
