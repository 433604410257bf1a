"""The cluster pages in-process: agent status per node, enrollment token, connection matrix."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from certyard import cluster
from tests.api.helpers import make_harness, sign_in


@pytest.fixture(params=["sqlite"])
def backend(request):  # type: ignore[no-untyped-def]
    return request.param


def test_agents_and_connections_pages(ctx) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(ctx, with_ca=True)
    cluster.add_node(ctx, "dialer", fqdn="dialer.example.com")
    csrf = sign_in(h.client, "sysadm")
    r = h.client.get("/nodes/agents")
    assert r.status_code == 200 and "dialer" in r.text and "Open enrollment is ON" not in r.text
    r = h.client.post("/nodes/agents/token", data={"node": "dialer", "minutes": "5",
                                                   "csrf_token": csrf})
    assert r.status_code == 200
    token = re.search(r'<code id="enroll-token">([^<]+)</code>', r.text).group(1)  # type: ignore[union-attr]
    assert len(token) >= 40
    bad = h.client.post("/nodes/agents/token", data={"node": "dialer", "minutes": "0",
                                                     "csrf_token": csrf})
    assert bad.status_code == 422 and "1 to 10080" in bad.text
    cluster.set_open_enrollment(ctx, True)
    assert "Open enrollment is ON" in h.client.get("/nodes/agents").text

    r = h.client.get("/nodes/connections")
    assert r.status_code == 200 and "No secured connections" in r.text
    form = {"name": "ged188", "client_purpose": "ipsec", "client_node": "dialer",
            "server_purpose": "tomcat", "server_node": "pub", "mode": "mutual",
            "csrf_token": csrf}
    r = h.client.post("/nodes/connections", data=form)
    assert r.status_code == 200 and "Missing" in r.text and "Establish trust" in r.text
    r = h.client.post("/nodes/connections", data=form)
    assert r.status_code == 409 and "already exists" in r.text
    r = h.client.post("/nodes/connections/ged188/fix", data={"csrf_token": csrf})
    assert r.status_code == 200 and "Imported" in r.text and "Missing" not in r.text
    # Read-only users see the matrix but no actions.
    viewer = TestClient(h.client.app, base_url="https://testserver")
    sign_in(viewer, "viewer")
    page = viewer.get("/nodes/connections")
    assert page.status_code == 200 and "ged188" in page.text and "Establish trust" not in page.text
