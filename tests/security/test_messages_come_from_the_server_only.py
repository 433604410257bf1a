"""Issue 14, finding 18: a page never shows text taken from its URL. Messages after an
action come from the server only (a one-time message sealed with the master key), so a
link like ``/login?notice=Your+account+is+compromised...`` cannot make the UI say anything.
"""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient

from certyard import cluster
from certyard.server import create_app
from certyard.web.flash import COOKIE
from tests.api.helpers import make_harness, sign_in

SPOOF = "Session expired: call 555-0100 and read us your password"


def _shown(html: str) -> str:
    """The text a person reads (tags and attributes, e.g. filter values echoed into an
    export link or a search box, are not messages)."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


def test_url_text_is_never_shown_as_a_message(ctx):
    h = make_harness(ctx)
    anonymous = TestClient(h.client.app, base_url="https://testserver")
    for param in ("notice", "error", "message", "msg"):
        r = anonymous.get(f"/login?{param}={SPOOF}")
        assert r.status_code == 200 and "555-0100" not in _shown(r.text)
    sign_in(h.client, "sysadm")
    for path in ("/", "/certificates", "/ca", "/ca?tab=issued", "/accounts", "/settings",
                 "/monitoring", "/policy", "/ipsec", "/bulk", "/audit", "/nodes",
                 "/nodes/connections", "/account"):
        for param in ("notice", "error", "message"):
            r = h.client.get(f"{path}{'&' if '?' in path else '?'}{param}={SPOOF}")
            assert "555-0100" not in _shown(r.text), (path, param)


def test_a_forged_or_replayed_message_cookie_shows_nothing(ctx):
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    c = TestClient(create_app(ctx), base_url="https://testserver")
    forged = base64.urlsafe_b64encode(b"\x01" + b"0" * 12 + SPOOF.encode()).decode()
    c.cookies.set(COOKIE, forged)
    assert "555-0100" not in _shown(c.get("/login").text)
    c.cookies.set(COOKIE, base64.urlsafe_b64encode(SPOOF.encode()).decode())
    assert "555-0100" not in _shown(c.get("/login").text)


def test_server_messages_still_arrive_once(ctx):
    h = make_harness(ctx)
    csrf = sign_in(h.client, "sysadm")
    r = h.client.post("/nodes", data={"csrf_token": csrf, "name": "sub1",
                                      "fqdn": "sub1.example.com"}, follow_redirects=False)
    assert r.status_code == 303 and "notice" not in r.headers["location"]
    page = h.client.get(r.headers["location"])
    assert "Added node sub1" in page.text
    assert "Added node sub1" not in h.client.get("/nodes").text  # shown once
