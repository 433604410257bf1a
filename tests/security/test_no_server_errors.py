"""Finding 16: hostile ids, names and headers get a 4xx with the one error body, never a
500; and every integer path or query parameter of every app is bounded, so a route added
later cannot bring the class back."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from certyard.server import create_app
from certyard.server.agent_listener import create_agent_app
from certyard.server.app import create_http_app
from tests.api.helpers import make_harness, sign_in
from tests.security.helpers import enrolled_agent, with_peer

HUGE = "9" * 30


@pytest.fixture
def h(ctx: Any) -> Any:
    return make_harness(ctx, with_ca=True)


def _is_error_body(r: Any) -> bool:
    body = r.json()
    return set(body) == {"error"} and {"code", "message"} <= set(body["error"])


@pytest.mark.parametrize("path", [f"/ca/{HUGE}.crt", f"/ca/{HUGE}.crl", "/ca/-1.crt",
                                  f"/ca/{2**63}.crl"])
def test_public_listener_answers_oversized_ids_with_4xx(h: Any, path: str) -> None:
    client = TestClient(create_http_app(h.ctx, https_port=8443), raise_server_exceptions=False)
    r = client.get(path)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert _is_error_body(r)


@pytest.mark.parametrize("query", [HUGE, str(2**63), "-" + HUGE, "x"])
def test_agent_trustlist_after_is_bounded(h: Any, query: str) -> None:
    client = TestClient(create_agent_app(h.ctx), base_url="https://testserver",
                        raise_server_exceptions=False)
    r = client.get("/agent/v1/trustlist", params={"after": query})
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert _is_error_body(r)


def test_agent_non_ascii_if_none_match_is_a_4xx(h: Any) -> None:
    cert = enrolled_agent(h.ctx, "pub")
    client = TestClient(with_peer(create_agent_app(h.ctx), cert), base_url="https://testserver",
                        raise_server_exceptions=False)
    ok = client.get("/agent/v1/state")
    assert ok.status_code == 200, ok.text
    same = client.get("/agent/v1/state", headers={"If-None-Match": ok.headers["etag"]})
    assert same.status_code == 304
    r = client.get("/agent/v1/state", headers={"If-None-Match": "\"caf\u00e9\"".encode()})
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert _is_error_body(r)


def test_web_certificate_page_oversized_id_is_a_4xx(h: Any) -> None:
    sign_in(h.client, "viewer")
    for path in (f"/certificates/{HUGE}", f"/certificates/{2**40}/download",
                 f"/certificates/{HUGE}/delete"):
        r = h.client.get(path)
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert "text/html" in r.headers["content-type"]


def _csr(cn: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
    return b.sign(key, hashes.SHA256()).public_bytes(Encoding.PEM).decode()


def test_zero_width_space_in_csr_cn_is_a_4xx(h: Any) -> None:
    hdr = h.as_role("Certificate Administrator")
    r = h.client.post("/api/v1/ca/requests", json={"csr": _csr("www\u200b.example.com")},
                      headers=hdr)
    assert r.status_code == 422, (r.status_code, r.text)
    assert _is_error_body(r) and "U+200B" in r.json()["error"]["message"]


def _ca_cert(cn: str) -> str:
    import datetime as dt

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(Encoding.PEM).decode()


def test_non_latin1_cn_in_download_filename(h: Any) -> None:
    hdr = h.as_role("System Administrator")
    r = h.client.post("/api/v1/trust-stores/tomcat-trust/certificates",
                      json={"data": _ca_cert("\u65e5\u672c Root CA")}, headers=hdr)
    assert r.status_code == 201, r.text
    page = h.client.get("/api/v1/certificates", params={"type": "trust", "page_size": 1000},
                        headers=hdr).json()
    entry = next(e["id"] for e in page["items"] if "\u65e5" in e["common_name"])
    r = h.client.get(f"/api/v1/certificates/{entry}/download", headers=hdr)
    assert r.status_code == 200, r.text
    cd = r.headers["content-disposition"]
    assert "filename*=UTF-8''" in cd and "%E6%97%A5" in cd
    sign_in(h.client, "sysadm")
    r = h.client.get(f"/certificates/{entry}/download")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]


def test_every_integer_parameter_is_bounded(ctx: Any) -> None:
    """Walk the route table of every app: an int path or query parameter without an upper
    bound that fits the database is a 500 waiting to happen."""
    from fastapi.routing import APIRoute

    apps = [create_app(ctx), create_http_app(ctx, https_port=8443), create_agent_app(ctx)]
    unbounded = []
    checked = 0
    for app in apps:
        for route in _routes(app.routes):
            if not isinstance(route, APIRoute):
                continue
            for dep in _dependants(route.dependant):
                for p in (*dep.path_params, *dep.query_params):
                    ann = p.field_info.annotation
                    if ann is not int and int not in typing.get_args(ann):
                        continue
                    checked += 1
                    les = [m for m in p.field_info.metadata
                           if getattr(m, "le", None) is not None
                           or getattr(m, "lt", None) is not None]
                    if not les:
                        unbounded.append(f"{route.path} {p.name}")
    assert checked > 10  # the walk sees the routes
    assert unbounded == []


def _routes(routes: list[Any]) -> list[Any]:
    """Every route, also inside included routers (kept as nodes since FastAPI 0.16x)."""
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        out += _routes(inner.routes) if inner is not None else [r]
    return out


def _dependants(dep: Any) -> list[Any]:
    out = [dep]
    for d in dep.dependencies:
        out += _dependants(d)
    return out


def test_non_ascii_credentials_headers_are_a_4xx(h: Any) -> None:
    """Every header that carries a secret is compared defensively: bytes a client sends
    that are not ASCII are a refusal, not a 500."""
    weird = "caf\u00e9".encode()
    r = h.client.get("/api/v1/certificates", headers={"Authorization": b"Bearer " + weird})
    assert r.status_code == 401 and _is_error_body(r)
    csrf = sign_in(h.client, "sysadm")
    assert csrf
    r = h.client.post("/api/v1/ca/requests", json={"csr": _csr("a.example.com")},
                      headers={"X-CSRF-Token": weird})
    assert r.status_code == 403 and _is_error_body(r), (r.status_code, r.text)
    h.client.cookies.clear()
    r = h.client.get("/api/v1/certificates", headers={"Cookie": b"certyard_session=" + weird})
    assert r.status_code == 401 and _is_error_body(r)
