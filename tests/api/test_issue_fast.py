"""``POST /api/v1/ca/issued`` answered in front of the router (api.v1.issue_fast): the same
answers as the framework route, inside the same guards. A token with a plain JSON body takes
the fast path; anything else (a session cookie, a body the model would coerce) reaches the
route with its body intact. Both backends."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard import accounts
from certyard.db.models.ca import CaIssued
from certyard.http.app import SECURITY_HEADERS
from tests.api.helpers import ISSUE_URL, csr_pem, make_harness, sign_in, stored_certificates

URL = ISSUE_URL
ADMIN = "Certificate Administrator"




def test_issues_with_the_security_headers_and_stores_first(ctx: Any) -> None:
    h = make_harness(ctx, with_ca=True)
    r = h.client.post(URL, json={"csr": csr_pem("a.pub.example.com"), "profile": "server",
                                 "days": 30}, headers=h.as_role(ADMIN))
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    body = r.json()
    cert = x509.load_pem_x509_certificate(body["pem"].encode())
    assert format(cert.serial_number, "x") == body["serial"]
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days in (30, 29)
    assert set(body) == {"request_id", "serial", "subject", "sans", "profile", "not_before",
                         "not_after", "pem", "chain_pem"}
    with ctx.read() as s:
        row = s.scalar(select(CaIssued).where(CaIssued.serial == body["serial"]))
        assert row is not None and row.der == cert.public_bytes(Encoding.DER)


def test_typed_errors_have_the_one_problem_shape(ctx: Any) -> None:
    h = make_harness(ctx, with_ca=True)
    admin = h.as_role(ADMIN)
    r = h.client.post(URL, json={"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                                        "-----END CERTIFICATE REQUEST-----\n"}, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_csr"
    assert r.headers["x-frame-options"] == "DENY"
    r = h.client.post(URL, json={"csr": csr_pem("b.pub.example.com"), "profile": "sub-ca"},
                      headers=admin)
    assert r.status_code == 422, r.text  # CA profiles are for the host administrator
    assert r.json()["error"]["field"] == "profile"
    r = h.client.post(URL, json={"csr": csr_pem("b.pub.example.com")},
                      headers={"Authorization": "Bearer cyt_not-a-token"})
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "unauthenticated", "field": None,
                                 "message": "the API token is not valid"}
    r = h.client.post(URL, json={"csr": csr_pem("b.pub.example.com")},
                      headers=h.as_role("Read-only"))
    assert r.status_code == 403
    assert "ca:execute" in r.json()["error"]["message"]
    assert stored_certificates(ctx) == 0


def test_what_the_model_would_refuse_or_coerce_goes_to_the_route(ctx: Any) -> None:
    h = make_harness(ctx, with_ca=True)
    admin = h.as_role(ADMIN)
    r = h.client.post(URL, json={"csr": csr_pem("c.pub.example.com"), "days": 0}, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_input"
    assert r.json()["error"]["field"] == "days"
    r = h.client.post(URL, content=b"{not json", headers={**admin,
                                                          "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    # A number sent as a string: the model coerces it, so the route (body replayed) issues.
    r = h.client.post(URL, json={"csr": csr_pem("c.pub.example.com"), "days": "30"},
                      headers=admin)
    assert r.status_code == 201, r.text
    assert stored_certificates(ctx) == 1


def test_a_signed_in_session_still_needs_the_csrf_token(ctx: Any) -> None:
    h = make_harness(ctx, with_ca=True)
    csrf = sign_in(h.client, "certadm")
    body = {"csr": csr_pem("d.pub.example.com")}
    r = h.client.post(URL, json=body)
    assert r.status_code == 403, r.text
    r = h.client.post(URL, json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text


def test_the_allowlist_and_the_body_limit_apply(ctx: Any) -> None:
    h = make_harness(ctx, with_ca=True)
    admin = h.as_role(ADMIN)
    big = {"csr": "A" * (ctx.settings.max_upload_bytes * 3 + 5 * 1024 * 1024)}
    r = h.client.post(URL, json=big, headers=admin)
    assert r.status_code == 413, r.text
    accounts.add_allowed(ctx, "192.0.2.0/24")  # the test client's address is not in it
    r = h.client.post(URL, json={"csr": csr_pem("e.pub.example.com")}, headers=admin)
    assert r.status_code == 403
    assert "allowlist" in r.json()["error"]["message"]
    assert stored_certificates(ctx) == 0


def test_hostile_json_is_the_routes_4xx_never_a_500(ctx: Any) -> None:
    """Deep nesting (RecursionError in json) and lone surrogates (not encodable) fall to
    the route: its 4xx, with the security headers, nothing stored."""
    h = make_harness(ctx, with_ca=True)
    admin = h.as_role(ADMIN)
    nested = b"[" * 100_000 + b"]" * 100_000
    for headers in ({"Authorization": "Bearer x"}, admin):
        r = h.client.post(URL, content=nested,
                          headers={**headers, "Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, r.text
        assert r.headers["X-Frame-Options"] == SECURITY_HEADERS["X-Frame-Options"]
    for body in ('{"csr": "-----BEGIN \\ud800"}',
                 '{"csr": ' + _csr_json("s.pub.example.com") + ', "profile": "\\ud800"}'):
        r = h.client.post(URL, content=body.encode(),
                          headers={**admin, "Content-Type": "application/json"})
        assert r.status_code == 422, r.text
    assert stored_certificates(ctx) == 0


def _csr_json(cn: str) -> str:
    import json

    return json.dumps(csr_pem(cn))
