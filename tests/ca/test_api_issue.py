"""``POST /api/v1/ca/issued``: submit and issue in one call, over the real HTTPS listener of
``certyard serve``. Each 201 is a certificate already durable: it is in the store after the
server is killed (SIGKILL) the moment the last answer arrived. Who may call it, and what bad
input gets. Both backends."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from certyard import accounts
from certyard.config import Settings
from certyard.context import open_context
from certyard.db.models.audit import AuditEvent
from certyard.db.models.ca import CaIssued, CaRequest
from tests.api.helpers import make_harness
from tests.ca.helpers import make_csr, setup_ca
from tests.web.server import start_serve

PASSWORD = "Sturdy-Pass-42-Xq"
URL = "/api/v1/ca/issued"


def _body(cn: str, profile: str = "server") -> dict[str, Any]:
    return {"csr": make_csr(cn)[1].public_bytes(Encoding.PEM).decode(), "profile": profile}


def test_answers_are_durable_when_the_server_is_killed_right_after(
        ctx: Any, env: dict[str, str], tmp_path: Path) -> None:
    setup_ca(ctx)
    accounts.create_user(ctx, "issuer", role="Certificate Administrator", password=PASSWORD,
                         must_change_password=False)
    token = accounts.create_token(ctx, "issuer", name="t")[1]
    served = start_serve(env, tmp_path / "serve.log")
    bodies = [_body(f"h{i}.example.com") for i in range(24)]
    bodies[7] = {"csr": bodies[7]["csr"].replace("MI", "XX", 1), "profile": "server"}
    answers: list[Any] = [None] * len(bodies)
    try:
        with httpx.Client(base_url=served.url, verify=False, timeout=120,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            def post(i: int) -> None:
                answers[i] = client.post(URL, json=bodies[i])

            threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(180)
        os.kill(served.proc.pid, signal.SIGKILL)  # no shutdown, no flush: what was said stays
    finally:
        served.proc.kill()
        served.proc.wait(30)
    assert answers[7].status_code == 422, answers[7].text  # a broken CSR, alone
    assert answers[7].json()["error"]["code"] == "invalid_csr"
    assert "\n" not in answers[7].json()["error"]["message"]
    ok = [a.json() for i, a in enumerate(answers) if i != 7]
    assert all(a.get("serial") for a in ok), ok

    after = open_context(Settings.from_env(env))
    try:
        with after.read() as s:
            stored = {r.serial: r for r in s.scalars(select(CaIssued))}
            audited = {e.details.get("serial") for e in s.scalars(
                select(AuditEvent).where(AuditEvent.action == "ca.request.issue"))}
            n_requests = s.scalar(select(func.count()).select_from(CaRequest))
    finally:
        after.engine.dispose()
    assert len(stored) == len(ok) == n_requests
    for a in ok:
        cert = x509.load_pem_x509_certificate(a["pem"].encode())
        assert stored[a["serial"]].der == cert.public_bytes(Encoding.DER)
        assert a["serial"] in audited


def test_who_may_submit_and_issue_in_one_call(ctx: Any) -> None:
    h = make_harness(ctx, with_ca=True)
    r = h.client.post(URL, json=_body("a.pub.example.com"),
                      headers=h.as_role("Certificate Administrator"))
    assert r.status_code == 201, r.text
    assert r.json()["pem"].startswith("-----BEGIN CERTIFICATE-----")
    for role in ("Read-only", "Help Desk Administrator", "Audit Administrator"):
        r = h.client.post(URL, json=_body("b.pub.example.com"), headers=h.as_role(role))
        assert r.status_code == 403, (role, r.text)
    # A custom role that may issue pending requests but not submit them: refused too.
    accounts.create_role(ctx, "Approver", privileges=["ca:read", "ca:execute"])
    accounts.create_user(ctx, "approver", role="Approver", password=PASSWORD,
                         must_change_password=False)
    token = accounts.create_token(ctx, "approver", name="t")[1]
    r = h.client.post(URL, json=_body("c.pub.example.com"),
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403, r.text
    assert "ca:create" in r.json()["error"]["message"]
    r = h.client.post(URL, json=_body("d.pub.example.com"))
    assert r.status_code == 401
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(CaIssued)) == 1


def test_bad_input_is_one_clear_error_and_changes_nothing(ctx: Any) -> None:
    h = make_harness(ctx, with_ca=True)
    admin = h.as_role("Certificate Administrator")
    cases = [
        {"csr": "not a csr"},
        {"csr": ""},
        {**_body("e.pub.example.com"), "profile": "sub-ca"},  # host administrator only
        {**_body("e.pub.example.com"), "profile": "ocsp"},
        {**_body("e.pub.example.com"), "profile": "no-such-profile"},
        {**_body("e.pub.example.com"), "days": 0},
        {**_body("e.pub.example.com", profile="server"), "days": 3000},
        {"csr": make_csr("x", sans=["bad name!"])[1].public_bytes(Encoding.PEM).decode()},
    ]
    for body in cases:
        r = h.client.post(URL, json=body, headers=admin)
        assert 400 <= r.status_code < 500, (body.get("profile"), body.get("days"), r.text)
        assert r.json()["error"]["message"], r.text
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(CaIssued)) == 0
        assert s.scalar(select(func.count()).select_from(CaRequest)) == 0
