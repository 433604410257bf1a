"""RFC 8555 details a tester checks: the certificate key is not the account key (11.1),
a problem document's ``status`` is the HTTP status (6.7), every response under /acme/ is a
problem document (also for a wrong method), a key rollover to another account's key is a
409 naming that account (7.3.5), and another account's resources are ``unauthorized``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jws
from joserfc.jwk import ECKey
from sqlalchemy import func, select

from certyard.db.models.acme import AcmeAccount
from certyard.db.models.ca import CaIssued, CaRequest
from tests.acme.client import AcmeClient, _registry, b64, csr_der
from tests.acme.conftest import answer_all

ERR = "urn:ietf:params:acme:error:"


def _problem(r: Any, acme_type: str, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == ERR + acme_type and body["status"] == status, body
    return body


def _ready_order(client: AcmeClient, answers: dict[str, str]) -> tuple[dict[str, Any], str]:
    r = client.order([("dns", "localhost")])
    order, url = r.json(), r.headers["Location"]
    answer_all(client, order, answers)
    client.validate_all(order)
    assert client.poll(url, ("ready", "invalid"))["status"] == "ready"
    return order, url


def test_csr_with_the_account_key_is_bad(ctx: Any, client: AcmeClient,
                                         answers: dict[str, str]) -> None:
    client.register()
    order, url = _ready_order(client, answers)
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).add_extension(
        x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False).sign(
        client.key.raw_value, hashes.SHA256())
    r = client.post(order["finalize"], {"csr": b64(csr.public_bytes(Encoding.DER))})
    body = _problem(r, "badCSR", 400)
    assert "account key" in body["detail"]
    with ctx.read() as s:
        assert s.scalar(select(func.count(CaIssued.id))) == 0
        assert s.scalar(select(func.count(CaRequest.id))) == 0
    assert client.post(url, None).json()["status"] == "ready"
    _, der = csr_der([("dns", "localhost")])
    assert client.post(order["finalize"], {"csr": b64(der)}).status_code == 200


def test_problem_status_is_the_http_status(acme_app: Any) -> None:
    _problem(acme_app.get("/acme/nope/directory"), "malformed", 404)
    _problem(acme_app.get("/acme/lab/renewal-info/nope.nope"), "malformed", 404)
    _problem(acme_app.get("/acme/lab/no-such-thing"), "malformed", 404)


@pytest.mark.parametrize("method,path,allow", [
    ("GET", "cert/abc", "POST"), ("GET", "order/abc", "POST"), ("GET", "new-order", "POST"),
    ("GET", "order/abc/finalize", "POST"), ("DELETE", "acct/abc", "POST"),
    ("POST", "directory", "GET"), ("PUT", "new-nonce", "GET, HEAD")])
def test_wrong_method_is_a_problem_document(acme_app: Any, method: str, path: str,
                                            allow: str) -> None:
    r = acme_app.request(method, f"/acme/lab/{path}")
    _problem(r, "malformed", 405)
    assert r.headers["Allow"] == allow and r.headers["Replay-Nonce"]


def _rollover(client: AcmeClient, new_key: Any) -> Any:
    url = client.dir["keyChange"]
    inner = jws.serialize_json(
        {"protected": {"alg": "ES256", "jwk": dict(new_key.as_dict(private=False)),
                       "url": url}},
        json.dumps({"account": client.kid, "oldKey": client.jwk}).encode(),
        new_key, registry=_registry())
    return client.post(url, dict(inner))


def test_key_rollover_to_another_accounts_key_is_a_conflict(ctx: Any, acme_app: Any,
                                                            client: AcmeClient) -> None:
    client.register()
    other = AcmeClient(acme_app, "https://testserver/acme/lab/directory")
    other.register()
    r = _rollover(client, other.key)
    _problem(r, "malformed", 409)
    assert r.headers["Location"] == other.kid
    with ctx.read() as s:
        rid = client.kid.rsplit("/", 1)[1]  # type: ignore[union-attr]
        assert s.scalar(select(AcmeAccount.thumbprint).where(AcmeAccount.rid == rid)) \
            == client.thumbprint()
    assert _rollover(client, ECKey.generate_key("P-256")).status_code == 200


def test_another_accounts_resources_are_unauthorized(ctx: Any, acme_app: Any,
                                                     client: AcmeClient,
                                                     answers: dict[str, str]) -> None:
    client.register()
    order, url = _ready_order(client, answers)
    _, der = csr_der([("dns", "localhost")])
    assert client.post(order["finalize"], {"csr": b64(der)}).status_code == 200
    done = client.poll(url, ("valid", "invalid"))
    assert done["status"] == "valid"
    authz = client.post(order["authorizations"][0], None).json()
    other = AcmeClient(acme_app, "https://testserver/acme/lab/directory")
    other.register()
    for target, payload in ((url, None), (order["authorizations"][0], None),
                            (authz["challenges"][0]["url"], None),
                            (authz["challenges"][0]["url"], {}),
                            (done["certificate"], None), (order["finalize"],
                                                          {"csr": b64(der)})):
        body = _problem(other.post(target, payload), "unauthorized", 403)
        assert "another account" in body["detail"]
        assert "localhost" not in body["detail"] and "identifier" not in body
