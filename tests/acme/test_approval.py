"""``approval: required``: the finalized order waits as a pending CA request (same detail as
any other), `processing` with Retry-After, until an administrator issues it (the profile's
lifetime) or denies it (the order is invalid with the reason). Known nodes' FQDNs may be
auto-approved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509

from certyard import acme, ca
from tests.acme.client import AcmeClient, b64, csr_der
from tests.acme.conftest import answer_all


def _finalize(client: AcmeClient, answers: dict[str, str],
              names: list[tuple[str, str]]) -> tuple[str, Any]:
    client.register()
    r = client.order(names)
    order, url = r.json(), r.headers["Location"]
    answer_all(client, order, answers)
    client.validate_all(order)
    assert client.poll(url, ("ready", "invalid"))["status"] == "ready"
    _, der = csr_der(names)
    return url, client.post(order["finalize"], {"csr": b64(der)})


def test_order_waits_for_approval_then_issues(ctx: Any, client: AcmeClient,
                                              answers: dict[str, str]) -> None:
    acme.update_profile(ctx, "lab", approval="required", days=20)
    url, r = _finalize(client, answers, [("ip", "127.0.0.1")])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "processing"
    assert int(r.headers["Retry-After"]) > 0
    again = client.post(url, None)
    assert again.json()["status"] == "processing" and again.headers["Retry-After"]
    [pending] = ca.list_requests(ctx, state="pending")
    assert pending.sans == ["IP:127.0.0.1"]
    assert pending.requester.startswith("ACME lab account ")
    [view] = acme.list_orders(ctx)
    assert view.status == "processing" and view.request_id == pending.id

    ca.issue_request(ctx, pending.id)  # a plain approval: the profile's lifetime
    done = client.post(url, None).json()
    assert done["status"] == "valid"
    leaf = x509.load_pem_x509_certificates(client.post(done["certificate"], None).content)[0]
    life = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert dt.timedelta(days=20) <= life <= dt.timedelta(days=20, minutes=5)


def test_denial_ends_the_order_with_the_reason(ctx: Any, client: AcmeClient,
                                               answers: dict[str, str]) -> None:
    acme.update_profile(ctx, "lab", approval="required")
    url, _ = _finalize(client, answers, [("ip", "127.0.0.1")])
    [pending] = ca.list_requests(ctx, state="pending")
    ca.deny_request(ctx, pending.id, reason="not for this lab")
    body = client.post(url, None).json()
    assert body["status"] == "invalid"
    assert body["error"]["type"] == "urn:ietf:params:acme:error:unauthorized"
    assert "not for this lab" in body["error"]["detail"]
    assert all(i.request_id != pending.id for i in ca.list_issued(ctx))
    assert acme.show_order(ctx, url.rsplit("/", 1)[1]).error is not None


def test_known_node_names_are_auto_approved(ctx: Any, client: AcmeClient,
                                            answers: dict[str, str]) -> None:
    from certyard.db.models import Node

    acme.update_profile(ctx, "lab", approval="required", auto_approve_nodes=True)
    with ctx.transaction() as s:  # a node whose FQDN is localhost (setup made pub)
        s.get(Node, 1).fqdn = "localhost"  # type: ignore[union-attr]
    _, r = _finalize(client, answers, [("dns", "localhost")])
    assert r.json()["status"] == "valid", r.text
    assert ca.list_requests(ctx, state="pending") == []
    [req] = ca.list_requests(ctx, state="issued")
    assert req.decided_by == "ACME: identifiers of known nodes"
