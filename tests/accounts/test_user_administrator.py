"""Seed 002 ch. 5: the built-in User Administrator manages user accounts — and nothing else,
and never above its own privileges."""

from __future__ import annotations

import pytest

from tests.api.helpers import make_harness


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_user_administrator_manages_users_only(ctx) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(ctx)
    ua = h.as_role("User Administrator")
    r = h.client.post("/api/v1/users", headers=ua,
                      json={"name": "newbie", "role": "Read-only",
                            "password": "Fresh-Passw0rd-77"})
    assert r.status_code == 201, r.text
    assert h.client.get("/api/v1/users", headers=ua).status_code == 200
    # Not above itself: no System Administrator accounts, no CA or certificate work.
    r = h.client.post("/api/v1/users", headers=ua,
                      json={"name": "boss", "role": "System Administrator",
                            "password": "Fresh-Passw0rd-78"})
    assert r.status_code == 403
    assert h.client.post("/api/v1/ca/requests", headers=ua, json={}).status_code in (403, 422)
    assert h.client.post("/api/v1/csrs", headers=ua,
                         json={"purpose": "tomcat"}).status_code == 403
