"""certyard.http.errors: one status mapping, one problem shape, and the catch-all at the
HTTP boundary (an unexpected exception is a logged 500 with a request id, no internals)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from certyard import errors as e
from certyard.accounts import SignInThrottled
from certyard.audit.errors import ChainBroken
from certyard.backup.archive import BackupPasswordWrong
from certyard.cli.errors import exit_code
from certyard.http.errors import http_status
from certyard.server import create_app, create_http_app
from certyard.server.agent_listener import create_agent_app

SECRET = "postgresql://admin:hunter2@db/certyard"


@pytest.mark.parametrize(("exc", "status", "code"), [
    (e.CertyardError("x"), 400, 1),
    (e.InvalidInput("x"), 422, 2),
    (e.PolicyViolation("x", rule="r"), 422, 2),
    (e.InvalidFile("x"), 422, 3),
    (e.UntrustedChain("x", reason="issuer_not_found"), 422, 3),
    (e.NotFound("CA", 1), 404, 4),
    (e.Duplicate("x"), 409, 5),
    (e.PolicyForbids("x", rule="fips"), 403, 6),
    (e.AuthenticationFailed("x"), 401, 6),
    (SignInThrottled("x"), 429, 6),
    (BackupPasswordWrong("x"), 403, 6),
    (e.NotInitialised("x"), 503, 7),
    (e.ExternalServiceError("x"), 502, 8),
    (e.TokenUnavailable("x"), 503, 8),
    (ChainBroken("x", problems=1, checked=2), 400, 9),
])
def test_one_mapping_each_for_http_and_exit_codes(exc: e.CertyardError, status: int,
                                                  code: int) -> None:
    assert http_status(exc) == status
    assert exit_code(exc) == code
    # Domain errors carry a reason code, not a delivery layer's number.
    assert not hasattr(exc, "http_status") and not hasattr(exc, "exit_code")


def _explode() -> None:
    raise RuntimeError(f"cannot connect to {SECRET}")


def _with_bomb(app: Any) -> TestClient:
    router = APIRouter()
    router.add_api_route("/api/v1/boom", _explode, methods=["GET"])
    router.add_api_route("/boom", _explode, methods=["GET"])
    app.router.routes[0:0] = router.routes  # before any catch-all route
    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False)


def test_unexpected_exception_is_a_generic_500_with_a_request_id(
        ctx: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = _with_bomb(create_app(ctx))
    with caplog.at_level(logging.ERROR, logger="certyard.http"):
        r = client.get("/api/v1/boom")
    assert r.status_code == 500
    body = r.json()["error"]
    rid = body["request_id"]
    assert body["code"] == "internal" and rid in body["message"]
    assert r.headers["x-request-id"] == rid
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    # The server log has the request id and the exception, for the operator.
    record = next(x for x in caplog.records if getattr(x, "request_id", None) == rid)
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])

    page = client.get("/boom")
    assert page.status_code == 500 and "hunter2" not in page.text
    assert page.headers["x-request-id"] in page.text


@pytest.mark.parametrize("which", ["http", "agent"])
def test_every_listener_has_the_catch_all(ctx: Any, which: str) -> None:
    app = (create_http_app(ctx, https_port=8443) if which == "http"
           else create_agent_app(ctx))
    r = _with_bomb(app).get("/api/v1/boom")
    assert r.status_code == 500 and set(r.json()) == {"error"}
    assert "hunter2" not in r.text
