"""The REST API in-process: certificates, CSRs with the built-in CA, nodes, accounts,
errors, and CSRF on cookie sessions."""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509

from certyard import store
from tests.api.helpers import make_harness, sign_in

ADMIN = "System Administrator"


@pytest.fixture
def h(ctx):
    return make_harness(ctx, with_ca=True)


def test_list_show_download_with_sha512(h):
    hdr = h.as_role("Read-only")
    page = h.client.get("/api/v1/certificates", params={"type": "identity",
                                                       "purpose": "tomcat"}, headers=hdr)
    assert page.status_code == 200
    item = page.json()["items"][0]
    d = h.client.get(f"/api/v1/certificates/{item['id']}", headers=hdr).json()
    der = h.client.get(f"/api/v1/certificates/{item['id']}/download",
                       params={"format": "der"}, headers=hdr).content
    assert hashlib.sha512(der).hexdigest() == d["details"]["sha512"]
    assert x509.load_der_x509_certificate(der).subject.rfc4514_string() == "CN=pub.example.com"


def test_csr_signed_by_builtin_ca_is_installed(h):
    hdr = h.as_role("Certificate Administrator")
    r = h.client.post("/api/v1/csrs", json={"purpose": "tomcat", "key_length": 3072,
                                            "hash": "SHA256"}, headers=hdr)
    assert r.status_code == 201, r.text
    csr = h.client.get("/api/v1/csrs/tomcat", headers=hdr)
    assert csr.text.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    req = h.client.post("/api/v1/ca/requests/from-store", json={"purpose": "tomcat"},
                        headers=hdr).json()
    assert req["state"] == "pending"
    pending = h.client.get("/api/v1/ca/requests", params={"state": "pending"},
                           headers=hdr).json()
    assert [p["id"] for p in pending] == [req["id"]]
    issued = h.client.post(f"/api/v1/ca/requests/{req['id']}/issue", json={}, headers=hdr)
    assert issued.status_code == 200, issued.text
    serial = issued.json()["serial"]
    page = h.client.get("/api/v1/certificates", params={"purpose": "tomcat",
                                                       "type": "identity"}, headers=hdr).json()
    assert any(not i["self_signed"] for i in page["items"])
    revoked = h.client.post(f"/api/v1/ca/issued/{serial}/revoke",
                            json={"reason": "keyCompromise"}, headers=hdr)
    assert revoked.status_code == 200, revoked.text
    again = h.client.post(f"/api/v1/ca/issued/{serial}/revoke", json={}, headers=hdr)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_bad_input_is_a_clear_422_and_store_unchanged(h):
    hdr = h.as_role(ADMIN)
    before = store.find_entries(h.ctx, page_size=1000).total
    r = h.client.post("/api/v1/csrs", json={"purpose": "tomcat", "key_length": 1000},
                      headers=hdr)
    assert r.status_code == 422
    body = r.json()["error"]
    assert (body["field"] == "key_length" and body["code"] == "weak_algorithm") or \
        body["code"] == "invalid_input"
    r = h.client.post("/api/v1/certificates/upload", json={"purpose": "tomcat",
                                                           "data": "not base64!"}, headers=hdr)
    assert r.status_code == 422 and r.json()["error"]["field"] == "data"
    r = h.client.post("/api/v1/trust-stores/tomcat-trust/certificates",
                      json={"data": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"},
                      headers=hdr)
    assert r.status_code == 422
    r = h.client.get("/api/v1/certificates", params={"page": 0}, headers=hdr)
    assert r.status_code == 422 and r.json()["error"]["field"] == "page"
    assert store.find_entries(h.ctx, page_size=1000).total == before


def test_nodes_and_not_found(h):
    hdr = h.as_role(ADMIN)
    r = h.client.post("/api/v1/nodes", json={"name": "sub1", "fqdn": "sub1.example.com"},
                      headers=hdr)
    assert r.status_code == 201
    assert h.client.post("/api/v1/nodes", json={"name": "sub1", "fqdn": "x.example.com"},
                         headers=hdr).status_code == 409
    assert [n["name"] for n in h.client.get("/api/v1/nodes", headers=hdr).json()] == \
        ["pub", "sub1"]
    assert h.client.delete("/api/v1/nodes/pub", headers=hdr).status_code == 409
    # Two wrong values at once: both reported, each with its field; nothing added.
    r = h.client.post("/api/v1/nodes", json={"name": "sub2", "fqdn": "not a host",
                                             "ip": "999.1.1.1"}, headers=hdr)
    assert r.status_code == 422, r.text
    problems = r.json()["error"]["problems"]
    assert {p["field"] for p in problems} >= {"fqdn", "ip"}, problems
    assert "sub2" not in [n["name"] for n in h.client.get("/api/v1/nodes", headers=hdr).json()]
    assert h.client.delete("/api/v1/nodes/sub1", headers=hdr).status_code == 200
    r = h.client.get("/api/v1/certificates/424242", headers=hdr)
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "certificate 424242 not found",
                                  "field": None}}


def test_tokens_users_and_roles_via_api(h):
    hdr = h.as_role(ADMIN)
    r = h.client.post("/api/v1/me/tokens", json={"name": "ci"}, headers=hdr)
    secret = r.json()["token"]
    assert h.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()[
        "name"] == "sysadm"
    listed = h.client.get("/api/v1/me/tokens", headers=hdr).json()
    assert all("token" not in t for t in listed)
    h.client.delete(f"/api/v1/me/tokens/{r.json()['id']}", headers=hdr)
    assert h.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
                        ).status_code == 401
    r = h.client.post("/api/v1/users", json={"name": "CCMSysUser", "role": "Read-only",
                                             "password": "Sturdy-Pass-42"}, headers=hdr)
    assert r.status_code == 422 and r.json()["error"]["field"] == "name"
    r = h.client.put("/api/v1/auth-rules", json={"failed_attempts": 5,
                                                 "administrator_must_unlock": True}, headers=hdr)
    assert r.json()["lockout_minutes"] is None and r.json()["failed_attempts"] == 5


def test_cookie_session_needs_csrf(h):
    csrf = sign_in(h.client, "sysadm")
    r = h.client.post("/api/v1/nodes", json={"name": "sub2", "fqdn": "sub2.example.com"})
    assert r.status_code == 403 and "form expired" in r.json()["error"]["message"]
    r = h.client.post("/api/v1/nodes", json={"name": "sub2", "fqdn": "sub2.example.com"},
                      headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


def test_openapi_published(h):
    doc = h.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/certificates" in doc["paths"] and "/api/v1/ca/requests" in doc["paths"]
    assert not any(p.startswith("/certificates") for p in doc["paths"])


def test_add_purpose_by_configuration(h):
    hdr = h.as_role(ADMIN)
    r = h.client.post("/api/v1/purposes", json={"name": "CallManager", "services": ["cm"]},
                      headers=hdr)
    assert r.status_code == 201 and r.json()["trust_store"] == "CallManager-trust"
    r = h.client.post("/api/v1/purposes", json={"name": "X1", "key_lengths": [999]},
                      headers=hdr)
    assert r.status_code == 422 and r.json()["error"]["field"] == "key_lengths"
    assert h.client.post("/api/v1/purposes", json={"name": "CallManager"},
                         headers=hdr).status_code == 409
