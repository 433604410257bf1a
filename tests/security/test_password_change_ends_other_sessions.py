"""Finding 11: changing your own password ends your other sessions and keeps the current
one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import PASSWORD, sign_in


@pytest.fixture
def backend() -> str:
    return "sqlite"  # authorization and key access do not depend on the storage backend


def test_own_password_change_ends_other_sessions_only(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    here = h.client
    elsewhere = TestClient(h.client.app, base_url="https://testserver")
    csrf = sign_in(here, "viewer")
    sign_in(elsewhere, "viewer")
    assert elsewhere.get("/account").status_code == 200
    r = here.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Fresh-Pass-9911",
        "confirm_password": "Fresh-Pass-9911", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert here.get("/account").status_code == 200
    gone = elsewhere.get("/account", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_api_password_change_ends_browser_sessions(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness
    browser = TestClient(h.client.app, base_url="https://testserver")
    sign_in(browser, "auditor")
    r = h.client.post("/api/v1/me/password", headers=h.as_role("Audit Administrator"),
                      json={"current_password": PASSWORD, "new_password": "Fresh-Pass-9911"})
    assert r.status_code == 200, r.text
    assert browser.get("/account", follow_redirects=False).status_code == 303
