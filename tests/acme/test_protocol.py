"""The ACME protocol with a hand-made client, in process, on SQLite and PostgreSQL:
register, order, http-01, finalize, chain, ARI, order listing, account update and key
rollover, revocation by account and by certificate key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from joserfc.jwk import ECKey
from sqlalchemy import func, select

from certyard import acme, ca
from certyard.db.models.ca import CaIssued
from tests.acme.client import AcmeClient, b64, csr_der
from tests.acme.conftest import answer_all


def _issue(client: AcmeClient, answers: dict[str, str],
           names: list[tuple[str, str]]) -> tuple[dict[str, Any], str, Any]:
    r = client.order(names)
    assert r.status_code == 201, r.text
    order, order_url = r.json(), r.headers["Location"]
    answer_all(client, order, answers)
    client.validate_all(order)
    assert client.poll(order_url, ("ready", "invalid"))["status"] == "ready"
    key, der = csr_der(names)
    r = client.post(order["finalize"], {"csr": b64(der)})
    assert r.status_code == 200, r.text
    done = client.poll(order_url, ("valid", "invalid"))
    assert done["status"] == "valid", done
    return done, order_url, key


def test_directory_nonce_and_problem_shape(client: AcmeClient, acme_app: Any) -> None:
    d = client.dir
    assert {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange",
            "renewalInfo"} <= set(d)
    assert d["meta"]["externalAccountRequired"] is False
    r = acme_app.head(d["newNonce"])
    assert r.status_code == 200 and r.headers["Replay-Nonce"]
    assert r.headers["Cache-Control"] == "no-store"
    assert acme_app.get(d["newNonce"]).status_code == 204
    r = acme_app.get("https://testserver/acme/nope/directory")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["type"] == "urn:ietf:params:acme:error:malformed"


def test_full_flow(ctx: Any, client: AcmeClient, answers: dict[str, str]) -> None:
    r = client.register(contact=["mailto:ops@example.com"])
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "valid"
    # The same key again: the same account (200), and onlyReturnExisting finds it.
    again = client.post(client.dir["newAccount"], {"onlyReturnExisting": True}, use_jwk=True)
    assert again.status_code == 200 and again.headers["Location"] == client.kid

    done, order_url, _ = _issue(client, answers, [("ip", "127.0.0.1"), ("dns", "localhost")])
    r = client.post(done["certificate"], None)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/pem-certificate-chain")
    chain = x509.load_pem_x509_certificates(r.content)
    assert len(chain) == 2  # leaf + issuing CA (the root is the alternate chain's)
    leaf = chain[0]
    assert leaf.issuer == chain[1].subject
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= dt.timedelta(days=30, minutes=5)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert 'rel="alternate"' in r.headers["Link"]
    alt = r.headers["Link"].split(", ")[-1].split(">")[0].lstrip("<")
    assert len(x509.load_pem_x509_certificates(client.post(alt, None).content)) == 3

    # Order listing and the CA's view: an ordinary issued request.
    account = client.post(client.kid, None).json()
    assert order_url in client.post(account["orders"], None).json()["orders"]
    serial = format(leaf.serial_number, "x")
    assert ca.show_issued(ctx, serial).status == "good"
    [view] = acme.list_orders(ctx)
    assert view.status == "valid" and view.serial == serial and view.request_id

    # ARI: a window in the last third of the lifetime.
    from certyard.acme.revoke import cert_id

    r = client.http.get(f"{client.dir['renewalInfo']}/{cert_id(leaf)}")
    assert r.status_code == 200 and int(r.headers["Retry-After"]) > 0
    window = r.json()["suggestedWindow"]
    start = dt.datetime.fromisoformat(window["start"].replace("Z", "+00:00"))
    assert leaf.not_valid_before_utc < start < leaf.not_valid_after_utc

    # Revocation by the account, with a reason; a second time: alreadyRevoked.
    from cryptography.hazmat.primitives.serialization import Encoding

    payload = {"certificate": b64(leaf.public_bytes(Encoding.DER)), "reason": 4}
    r = client.post(client.dir["revokeCert"], payload)
    assert r.status_code == 200, r.text
    assert ca.show_issued(ctx, serial).status == "revoked"
    assert ca.show_issued(ctx, serial).reason == "superseded"
    r = client.post(client.dir["revokeCert"], payload)
    assert r.json()["type"] == "urn:ietf:params:acme:error:alreadyRevoked"
    r = client.http.get(f"{client.dir['renewalInfo']}/{cert_id(leaf)}")
    end = dt.datetime.fromisoformat(r.json()["suggestedWindow"]["end"].replace("Z", "+00:00"))
    assert end <= ctx.clock.now()


def test_revocation_by_certificate_key(ctx: Any, client: AcmeClient,
                                       answers: dict[str, str]) -> None:
    client.register()
    done, _, key = _issue(client, answers, [("ip", "127.0.0.1")])
    leaf = x509.load_pem_x509_certificates(client.post(done["certificate"], None).content)[0]
    from cryptography.hazmat.primitives.serialization import Encoding

    cert_key = ECKey.import_key(key)
    stranger = ECKey.generate_key("P-256")
    payload = {"certificate": b64(leaf.public_bytes(Encoding.DER)), "reason": 1}
    r = client.post(client.dir["revokeCert"], payload, key=stranger, use_jwk=True)
    assert r.status_code == 403
    assert r.json()["type"] == "urn:ietf:params:acme:error:unauthorized"
    r = client.post(client.dir["revokeCert"], {**payload, "reason": 2}, key=cert_key,
                    use_jwk=True)
    assert r.json()["type"] == "urn:ietf:params:acme:error:badRevocationReason"
    r = client.post(client.dir["revokeCert"], payload, key=cert_key, use_jwk=True)
    assert r.status_code == 200, r.text
    assert ca.show_issued(ctx, format(leaf.serial_number, "x")).reason == "keyCompromise"


def test_account_update_key_rollover_and_deactivation(ctx: Any, client: AcmeClient) -> None:
    client.register()
    r = client.post(client.kid, {"contact": ["mailto:new@example.com"]})
    assert r.json()["contact"] == ["mailto:new@example.com"]
    r = client.post(client.kid, {"contact": ["tel:+1555"]})
    assert r.json()["type"] == "urn:ietf:params:acme:error:unsupportedContact"

    new_key = ECKey.generate_key("P-256")
    url = client.dir["keyChange"]
    inner = client.sign(url, {"account": client.kid, "oldKey": client.jwk}, key=new_key,
                        use_jwk=True, nonce="unused")
    inner["protected"] = _without_nonce(inner, new_key, url, client)
    r = client.post(url, inner)
    assert r.status_code == 200, r.text
    old_key, client.key = client.key, new_key
    assert client.post(client.kid, None).status_code == 200
    r = client.post(client.kid, None, key=old_key)
    assert r.json()["type"] == "urn:ietf:params:acme:error:malformed"

    r = client.post(client.kid, {"status": "deactivated"})
    assert r.json()["status"] == "deactivated"
    r = client.order([("ip", "127.0.0.1")])
    assert r.status_code == 403
    assert r.json()["type"] == "urn:ietf:params:acme:error:unauthorized"
    [view] = acme.list_accounts(ctx)
    assert view.status == "deactivated"


def _without_nonce(inner: dict[str, Any], key: Any, url: str, client: AcmeClient) -> str:
    """Re-sign the inner key-change JWS with no nonce (RFC 8555 7.3.5)."""
    import json

    from joserfc import jws

    from tests.acme.client import _registry

    body = {"account": client.kid, "oldKey": client.jwk}
    signed = jws.serialize_json({"protected": {"alg": "ES256", "jwk": dict(
        key.as_dict(private=False)), "url": url}}, json.dumps(body).encode(), key,
        registry=_registry())
    inner["payload"], inner["signature"] = signed["payload"], signed["signature"]
    return str(signed["protected"])


def test_wrong_token_makes_the_order_invalid(ctx: Any, client: AcmeClient,
                                             answers: dict[str, str]) -> None:
    client.register()
    r = client.order([("ip", "127.0.0.1")])
    order, url = r.json(), r.headers["Location"]
    answer_all(client, order, answers, wrong=True)
    client.validate_all(order)
    done = client.poll(url, ("invalid", "valid"))
    assert done["status"] == "invalid"
    assert done["error"]["type"] == "urn:ietf:params:acme:error:incorrectResponse"
    r = client.post(order["finalize"], {"csr": b64(csr_der([("ip", "127.0.0.1")])[1])})
    assert r.json()["type"] == "urn:ietf:params:acme:error:orderNotReady"
    with ctx.read() as s:
        assert s.scalar(select(func.count(CaIssued.id))) == 0


def test_expired_nonces_are_swept(ctx: Any, client: AcmeClient) -> None:
    import datetime as dt

    from certyard.acme.jobs import sweep_nonces
    from certyard.db.models.acme import AcmeNonce

    old = client.nonce()
    ctx.clock.advance(dt.timedelta(hours=2))
    fresh = client.nonce()
    # new_nonce itself sweeps now and then (1 in 50), which may already have taken `old`:
    # a stale row added here is certainly the job's to remove.
    with ctx.transaction() as s:
        s.add(AcmeNonce(value="stale-for-the-job",
                        expires_at=ctx.clock.now() - dt.timedelta(minutes=1)))
    assert sweep_nonces(ctx) >= 1
    with ctx.read() as s:
        left = set(s.scalars(select(AcmeNonce.value)))
    assert fresh in left and old not in left and "stale-for-the-job" not in left
    r = client.post(client.dir["newAccount"], {}, use_jwk=True, nonce=old)
    assert r.json()["type"] == "urn:ietf:params:acme:error:badNonce"


def test_a_validation_left_by_a_stopped_replica_runs_again(
        ctx: Any, client: AcmeClient, answers: dict[str, str]) -> None:
    from certyard.acme.jobs import resume_validations
    from certyard.db.models.acme import AcmeChallenge

    client.register()
    r = client.order([("ip", "127.0.0.1")])
    order, url = r.json(), r.headers["Location"]
    answer_all(client, order, answers)
    with ctx.transaction() as s:  # as a replica that died after accepting the response
        for c in s.scalars(select(AcmeChallenge).where(AcmeChallenge.type == "http-01")):
            c.status, c.started_at = "processing", ctx.clock.now()
    assert resume_validations(ctx) == 0  # not stale yet
    ctx.clock.advance(dt.timedelta(minutes=5))
    assert resume_validations(ctx) == 1
    assert client.post(url, None).json()["status"] == "ready"
