"""Flattened JWS members of the wrong type or encoding, from anyone: a 400 ``malformed``
problem document with a fresh Replay-Nonce, never a 500 (RFC 8555 6.2)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.acme.client import AcmeClient, b64

ERR = "urn:ietf:params:acme:error:"
BAD_SIGNATURES: list[Any] = ["!!", "a", "====", "é", 123, None, [], ""]
BAD_PAYLOADS: list[Any] = [123, None, [], {}, "!!", "a"]


def _malformed(r: Any, words: str = "") -> dict[str, Any]:
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.headers["Replay-Nonce"]
    body = r.json()
    assert body["type"] == ERR + "malformed" and body["status"] == 400, body
    assert words in body["detail"], body
    return body


def _send(client: AcmeClient, url: str, obj: dict[str, Any]) -> Any:
    return client.http.post(url, content=json.dumps(obj),
                            headers={"Content-Type": "application/jose+json"})


def _targets(client: AcmeClient) -> list[tuple[str, dict[str, Any]]]:
    """(url, a good signed body) for new-account, revoke-cert (jwk) and new-order (kid)."""
    client.register()
    kid = client.kid
    client.kid = None
    acct = client.sign(client.dir["newAccount"], {"termsOfServiceAgreed": True})
    revoke = client.sign(client.dir["revokeCert"], {"certificate": b64(b"x")})
    client.kid = kid
    order = client.sign(client.dir["newOrder"],
                        {"identifiers": [{"type": "ip", "value": "127.0.0.1"}]})
    return [(client.dir["newAccount"], acct), (client.dir["revokeCert"], revoke),
            (client.dir["newOrder"], order)]


@pytest.mark.parametrize("member,values", [("signature", BAD_SIGNATURES),
                                           ("payload", BAD_PAYLOADS),
                                           ("protected", [123, None, "!!", "a"])])
def test_bad_members_are_malformed(client: AcmeClient, member: str,
                                   values: list[Any]) -> None:
    for url, good in _targets(client):
        for value in values:
            _malformed(_send(client, url, {**good, member: value}))


def test_too_large_payload_is_said_so(client: AcmeClient) -> None:
    client.register()
    r = client.post(client.dir["newOrder"], {"identifiers": [], "pad": "x" * (1 << 20)})
    _malformed(r, "payload too large")


def test_good_requests_still_pass(client: AcmeClient) -> None:
    assert client.register().status_code == 201
    assert client.order([("ip", "127.0.0.1")]).status_code == 201
