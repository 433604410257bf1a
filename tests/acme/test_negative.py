"""Requests a good client never sends: each gets the RFC 8555 error type as an RFC 7807
problem document with a fresh Replay-Nonce, and nothing is issued."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from joserfc.jwk import ECKey
from sqlalchemy import func, select

from certyard import acme
from certyard.db.models.acme import AcmeAccount
from certyard.db.models.ca import CaIssued, CaRequest
from tests.acme.client import AcmeClient, b64, csr_der
from tests.acme.conftest import answer_all

ERR = "urn:ietf:params:acme:error:"


def _problem(r: Any, acme_type: str, status: int = 400) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.headers["Replay-Nonce"]
    body = r.json()
    assert body["type"] == ERR + acme_type, body
    return body


def _nothing_issued(ctx: Any) -> None:
    with ctx.read() as s:
        assert s.scalar(select(func.count(CaIssued.id))) == 0
        assert s.scalar(select(func.count(CaRequest.id))) == 0


def test_bad_and_replayed_nonce(ctx: Any, client: AcmeClient) -> None:
    r = client.post(client.dir["newAccount"], {"termsOfServiceAgreed": True},
                    use_jwk=True, nonce="not-a-nonce-we-gave")
    _problem(r, "badNonce")
    nonce = client.nonce()
    first = client.post(client.dir["newAccount"], {}, use_jwk=True, nonce=nonce)
    assert first.status_code == 201
    client.kid = first.headers["Location"]
    r = client.post(client.dir["newOrder"], {"identifiers": [{"type": "ip",
                                                              "value": "127.0.0.1"}]},
                    nonce=nonce)
    _problem(r, "badNonce")
    # The badNonce answer carries a nonce that works (clients retry with it).
    ok = client.post(client.dir["newOrder"], {"identifiers": [{"type": "ip",
                                                               "value": "127.0.0.1"}]},
                     nonce=r.headers["Replay-Nonce"])
    assert ok.status_code == 201


def test_nonce_is_spent_by_a_failed_request(client: AcmeClient) -> None:
    client.register()
    nonce = client.nonce()
    _problem(client.post(client.dir["newOrder"], {"identifiers": []}, nonce=nonce),
             "malformed")
    _problem(client.post(client.kid, None, nonce=nonce), "badNonce")


def test_wrong_url(client: AcmeClient) -> None:
    client.register()
    r = client.post(client.dir["newOrder"], {"identifiers": [{"type": "ip",
                                                              "value": "127.0.0.1"}]},
                    header_url=client.kid)
    _problem(r, "unauthorized", 403)


def test_signed_by_another_key(ctx: Any, client: AcmeClient) -> None:
    client.register()
    other = ECKey.generate_key("P-256")
    r = client.post(client.dir["newOrder"], {"identifiers": [{"type": "ip",
                                                              "value": "127.0.0.1"}]},
                    key=other)
    _problem(r, "malformed")
    assert acme.list_orders(ctx) == []


def test_jwk_and_kid_rules(client: AcmeClient) -> None:
    client.register()
    # newOrder with a jwk instead of the account's kid
    r = client.post(client.dir["newOrder"], {"identifiers": []}, use_jwk=True)
    _problem(r, "malformed")
    # an unknown account
    kid = client.kid
    client.kid = kid[:-4] + "zzzz"
    _problem(client.post(client.dir["newOrder"], {"identifiers": []}), "accountDoesNotExist")
    client.kid = kid
    # an algorithm that is not allowed
    signed = client.sign(client.dir["newOrder"], {})
    header = json.loads(base64.urlsafe_b64decode(signed["protected"] + "=="))
    header["alg"] = "HS256"
    signed["protected"] = b64(json.dumps(header).encode())
    r = client.http.post(client.dir["newOrder"], content=json.dumps(signed),
                         headers={"Content-Type": "application/jose+json"})
    _problem(r, "badSignatureAlgorithm")
    r = client.http.post(client.dir["newOrder"], content=b"{}",
                         headers={"Content-Type": "application/json"})
    _problem(r, "malformed")


def test_identifier_outside_the_profile(ctx: Any, client: AcmeClient) -> None:
    client.register()
    body = _problem(client.order([("dns", "www.example.org"), ("ip", "127.0.0.1")]),
                    "rejectedIdentifier")
    assert body["subproblems"][0]["identifier"] == {"type": "dns", "value": "www.example.org"}
    _problem(client.order([("ip", "10.1.2.3")]), "rejectedIdentifier")
    _problem(client.order([("email", "a@b.c")]), "unsupportedIdentifier")
    assert acme.list_orders(ctx) == []


def test_csr_names_differ_from_the_order(ctx: Any, client: AcmeClient,
                                         answers: dict[str, str]) -> None:
    client.register()
    r = client.order([("ip", "127.0.0.1")])
    order, url = r.json(), r.headers["Location"]
    answer_all(client, order, answers)
    client.validate_all(order)
    assert client.poll(url, ("ready", "invalid"))["status"] == "ready"
    for names in ([("ip", "127.0.0.1"), ("dns", "localhost")], [("dns", "localhost")]):
        _, der = csr_der(names)
        _problem(client.post(order["finalize"], {"csr": b64(der)}), "badCSR")
    _problem(client.post(order["finalize"], {"csr": "not base64 !"}), "malformed")
    _problem(client.post(order["finalize"], {"csr": b64(b"garbage")}), "badCSR")
    _nothing_issued(ctx)
    # The order is still ready: a right CSR then goes through.
    assert client.post(url, None).json()["status"] == "ready"


def test_weak_csr_key_is_refused_by_the_ca_policy(ctx: Any, client: AcmeClient,
                                                  answers: dict[str, str]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding

    client.register()
    r = client.order([("dns", "localhost")])
    order, url = r.json(), r.headers["Location"]
    answer_all(client, order, answers)
    client.validate_all(order)
    client.poll(url, ("ready", "invalid"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).add_extension(
        x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False).sign(
        key, hashes.SHA256())
    r = client.post(order["finalize"], {"csr": b64(csr.public_bytes(Encoding.DER))})
    _problem(r, "badPublicKey")
    with ctx.read() as s:
        assert s.scalar(select(func.count(CaIssued.id))) == 0
    assert client.post(url, None).json()["status"] == "ready"


@pytest.fixture
def eab_profile(ctx: Any, acme_app: Any) -> acme.EabKeyCreated:
    acme.add_profile(ctx, "closed", allowed_networks=["127.0.0.0/8"], eab_required=True)
    return acme.create_eab_key(ctx, "closed", description="test")


def test_eab_required_and_wrong_mac(ctx: Any, acme_app: Any,
                                    eab_profile: acme.EabKeyCreated) -> None:
    client = AcmeClient(acme_app, "https://testserver/acme/closed/directory")
    assert client.dir["meta"]["externalAccountRequired"] is True
    _problem(client.register(), "externalAccountRequired")
    wrong = b64(b"w" * 32)
    _problem(client.register(externalAccountBinding=client.eab(eab_profile.kid, wrong)),
             "unauthorized", 403)
    with ctx.read() as s:
        assert s.scalar(select(func.count(AcmeAccount.id))) == 0
    r = client.register(externalAccountBinding=client.eab(eab_profile.kid,
                                                          eab_profile.hmac_key))
    assert r.status_code == 201, r.text
    assert r.json()["externalAccountBinding"] == {"kid": eab_profile.kid}
    [key] = acme.list_eab_keys(ctx)
    assert key.status == "bound" and key.account == r.headers["Location"].rsplit("/", 1)[1]
    # A key binds one account; a revoked key binds none.
    other = AcmeClient(acme_app, "https://testserver/acme/closed/directory")
    _problem(other.register(externalAccountBinding=other.eab(eab_profile.kid,
                                                             eab_profile.hmac_key)),
             "unauthorized", 403)
    fresh = acme.create_eab_key(ctx, "closed")
    acme.revoke_eab_key(ctx, fresh.kid)
    _problem(other.register(externalAccountBinding=other.eab(fresh.kid, fresh.hmac_key)),
             "unauthorized", 403)


def test_rate_limit(ctx: Any, client: AcmeClient) -> None:
    acme.update_profile(ctx, "lab", orders_per_hour=2)
    client.register()
    for _ in range(2):
        assert client.order([("ip", "127.0.0.1")]).status_code == 201
    r = client.order([("ip", "127.0.0.1")])
    _problem(r, "rateLimited", 429)
    assert int(r.headers["Retry-After"]) > 0
