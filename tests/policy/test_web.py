"""The Policy pages in-process: forms call the services, errors come back inline."""

from __future__ import annotations

import pytest

from certyard.web.pages_policy import router
from tests.api.helpers import make_harness, sign_in
from tests.probe.tlspki import issue, pem


@pytest.fixture
def web(ctx):  # type: ignore[no-untyped-def]
    h = make_harness(ctx)
    app = h.client.app
    before = len(app.router.routes)
    app.include_router(router)
    # Until certyard.web mounts this router ahead of its placeholder, put ours first.
    ours = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[:0] = ours
    csrf = sign_in(h.client, "sysadm")
    return h.client, csrf


def test_policy_pages(web) -> None:  # type: ignore[no-untyped-def]
    client, csrf = web
    page = client.get("/policy")
    assert page.status_code == 200 and "Minimum TLS Version" in page.text
    assert "ECDHE-RSA-AES256-GCM-SHA384" in page.text  # resolved HTTPS priority list
    r = client.post("/policy/tls/min-version", data={"version": "1.3", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and "notice" not in r.headers["location"]
    assert "Restart notice" in client.get(r.headers["location"]).text
    bad = client.post("/policy/tls/ciphers", data={"interface": "all", "string": "BOGUS",
                                                   "csrf_token": csrf})
    assert bad.status_code == 422 and "OpenSSL refused" in bad.text
    assert client.post("/policy/enhanced/enable", data={"csrf_token": csrf}).status_code == 422
    assert "FIPS mode: disabled" in client.get("/policy?tab=fips").text
    root = issue("Web Root", ca=True)
    leaf = issue("w.example", issuer=root, sans=("w.example",))
    v = client.post("/policy/verify", data={"certificate": pem(leaf).decode(),
                                            "trusted": pem(root).decode(),
                                            "hostname": "w.example", "csrf_token": csrf})
    assert v.status_code == 200 and "Valid" in v.text and "CN=Web Root" in v.text
    assert "No interfaces" in client.get("/policy?tab=probes").text
