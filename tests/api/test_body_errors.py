"""Malformed request bodies on the JSON routes get one clear answer in the documented problem
shape (``{"error": {"code", "message", "field"}}``), never a 400 with an undocumented code,
a parser's byte offset shown as a field, a Python class name or a 500, and the store is
unchanged after each refusal. The issuing routes of the outside test (``POST
/api/v1/ca/issued``, its raw-ASGI fast path included, ``/ca/requests`` and
``/ca/requests/{id}/issue``); the causes are generic. Both backends."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from certyard import ca
from certyard.db.models.ca import CaIssued, CaRequest
from tests.api.helpers import Harness, make_harness
from tests.ca.helpers import make_csr

ADMIN = "Certificate Administrator"
ISSUED, REQUESTS = "/api/v1/ca/issued", "/api/v1/ca/requests"
JSON = {"content-type": "application/json"}
NOT_JSON = "the body must be JSON (Content-Type: application/json)"


def _csr(cn: str = "a.pub.example.com", key: Any = None) -> str:
    return make_csr(cn, key=key)[1].public_bytes(Encoding.PEM).decode()


def _rows(ctx: Any) -> tuple[int, int]:
    with ctx.read() as s:
        return (int(s.scalar(select(func.count()).select_from(CaIssued)) or 0),
                int(s.scalar(select(func.count()).select_from(CaRequest)) or 0))


def _refused(h: Harness, path: str, status: int, code: str, message: str,
             field: str | None = None, **kw: Any) -> None:
    headers = {**h.as_role(ADMIN), **kw.pop("headers", {})}
    before = _rows(h.ctx)
    r = h.client.post(path, headers=headers, **kw)
    assert r.status_code == status, r.text
    assert r.json() == {"error": {"code": code, "message": message, "field": field}}
    assert _rows(h.ctx) == before


@pytest.fixture
def h(ctx: Any) -> Harness:
    return make_harness(ctx, with_ca=True)


@pytest.mark.parametrize("path", [ISSUED, REQUESTS])
@pytest.mark.parametrize("kw", [
    {"content": b'{"csr": "x"}'},  # no Content-Type at all
    {"content": b'{"csr": "x"}', "headers": {"content-type": "text/plain"}},
    {"data": {"csr": "x"}},  # a form
    {"files": {"csr": ("csr.pem", b"x")}},  # multipart
], ids=["none", "text", "form", "multipart"])
def test_a_body_that_is_not_json_is_415(h: Harness, path: str, kw: dict[str, Any]) -> None:
    _refused(h, path, 415, "unsupported_media_type", NOT_JSON, **kw)


@pytest.mark.parametrize("path", [ISSUED, REQUESTS])
def test_broken_json_names_line_and_column_not_a_byte_offset_field(h: Harness,
                                                                   path: str) -> None:
    _refused(h, path, 422, "invalid_input", "the body is not valid JSON: expecting property "
             "name enclosed in double quotes (line 1, column 2)", content=b"{csr: nope",
             headers=JSON)
    _refused(h, path, 422, "invalid_input", "the body is not valid JSON: expecting value "
             "(line 3, column 10)", content=b'{\n "csr": "x",\n "days": }', headers=JSON)


@pytest.mark.parametrize("path", [ISSUED, REQUESTS])
def test_unparsable_bodies_have_the_documented_shape(h: Harness, path: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    _refused(h, path, 422, "invalid_input",
             "the body is not valid JSON: it is nested too deeply", content=deep, headers=JSON)
    _refused(h, path, 422, "invalid_input", "the body is not valid JSON: it is not UTF-8 "
             "text (byte 9 is invalid)", content=b'{"csr":"\xff\xfe"}', headers=JSON)


@pytest.mark.parametrize("path", [ISSUED, REQUESTS])
def test_json_that_is_not_an_object_or_no_body(h: Harness, path: str) -> None:
    _refused(h, path, 422, "invalid_input", "the body must be a JSON object", json=["x"])
    _refused(h, path, 422, "invalid_input", "the body must be a JSON object", json="x")
    _refused(h, path, 422, "invalid_input", "the body is missing: send a JSON object "
             "(Content-Type: application/json)", headers=JSON)
    _refused(h, path, 422, "invalid_input", "the body is missing: send a JSON object "
             "(Content-Type: application/json)")
    # A field's own problem still names the field.
    _refused(h, path, 422, "invalid_input", "csr: Field required", "csr", json={})


@pytest.mark.parametrize("path", [ISSUED, REQUESTS])
def test_domain_refusals_name_the_request_field(h: Harness, path: str) -> None:
    _refused(h, path, 422, "invalid_file", "csr must be PEM text or base64 of a DER "
             "certificate request", "csr", json={"csr": "hello"})
    # Unknown profile: the caller's wrong value, listing only what it may ask for.
    _refused(h, path, 422, "invalid_input", "there is no profile 'bogus'; use server-client, "
             "server, client", "profile", json={"csr": _csr(), "profile": "bogus"})
    _refused(h, path, 422, "weak_algorithm", "Ed25519 keys are not supported; use RSA or EC",
             json={"csr": _csr(key=ed25519.Ed25519PrivateKey.generate())})


def test_issuing_a_request_needs_no_body(h: Harness) -> None:
    """Every field of ``/ca/requests/{id}/issue`` is optional: no body is ``{}``."""
    req = ca.submit_request(h.ctx, make_csr("b.pub.example.com")[1], profile="server")
    url = f"{REQUESTS}/{req.id}/issue"
    _refused(h, url, 415, "unsupported_media_type", NOT_JSON, content=b"x",
             headers={"content-type": "text/plain"})
    _refused(h, url, 422, "invalid_input", "the body is not valid JSON: expecting value "
             "(line 1, column 1)", content=b"nope", headers=JSON)
    _refused(h, f"{REQUESTS}/4000/issue", 404, "not_found", "request 4000 not found")
    r = h.client.post(url, headers=h.as_role(ADMIN))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "issued" and r.json()["profile"] == "server"
    assert _rows(h.ctx) == (1, 1)


def test_trailing_slash_redirect_never_names_the_host_header(h: Harness) -> None:
    r = h.client.post(f"{ISSUED}/?x=1", headers={**h.as_role(ADMIN), "host": "evil.example"},
                      json={}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"{ISSUED}?x=1"
    r = h.client.get(f"{ISSUED}/", headers={**h.as_role(ADMIN), "host": "evil.example"},
                     follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == ISSUED
    r = h.client.get(f"{ISSUED}/", headers=h.as_role(ADMIN))  # followed: the same resource
    assert r.status_code == 200 and r.json() == []
    r = h.client.get("/api/v1/nowhere/", headers=h.as_role(ADMIN), follow_redirects=False)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
