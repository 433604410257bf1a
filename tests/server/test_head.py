"""HEAD answers exactly as GET without a body (status, headers, Content-Length) on every
route of every listener: the HTTPS app, the plain-HTTP app, the plain-HTTP listener's own
socket server (fast path + app behind it) and the agent app; ACME's newNonce keeps its own
HEAD answer."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from certyard import ca, cluster
from certyard.server import create_app, create_http_app
from certyard.server.agent_listener import create_agent_app
from tests.ca.fast_server import fast_listener


@pytest.fixture
def cluster_ctx(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx)
    return ctx


def _same(c: TestClient, path: str) -> int:
    g = c.get(path, follow_redirects=False)
    hd = c.head(path, follow_redirects=False)
    assert hd.status_code == g.status_code, (path, g.status_code, hd.status_code)
    assert hd.content == b"", path
    assert hd.headers.get("content-type") == g.headers.get("content-type"), path
    assert hd.headers.get("location") == g.headers.get("location"), path
    if "content-length" in g.headers:
        assert hd.headers["content-length"] == g.headers["content-length"], path
    return g.status_code


def test_head_is_get_without_body_on_the_https_app(cluster_ctx) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(create_app(cluster_ctx), base_url="https://testserver")
    for path in ("/healthz", "/readyz", "/login", "/", "/ca/", "/metrics", "/static/app.css",
                 "/certificates", "/api/v1/nodes", "/no-such-page"):
        assert _same(c, path) != 405, path
    assert _same(c, "/healthz") == 200 and _same(c, "/login") == 200
    # ACME newNonce answers HEAD with 200 and GET with 204 (RFC 8555 7.2): kept.
    head, get = c.head("/acme/server/new-nonce"), c.get("/acme/server/new-nonce")
    assert (head.status_code, get.status_code) == (200, 204)
    assert head.headers["replay-nonce"] and head.headers["replay-nonce"] != get.headers[
        "replay-nonce"]


def test_head_is_get_without_body_on_the_plain_http_app(cluster_ctx) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(create_http_app(cluster_ctx, https_port=8443), base_url="http://testserver")
    assert _same(c, "/healthz") == 200 and _same(c, "/readyz") == 200
    for path in ("/ca/", "/ca/root.pem", "/ca/crl"):
        assert _same(c, path) == 200, path
    assert _same(c, "/login") == 301  # the redirect to HTTPS, as for GET


def test_head_is_get_without_body_on_the_agent_app(cluster_ctx) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(create_agent_app(cluster_ctx), base_url="https://testserver")
    for path in ("/api/v1/agent/config", "/nothing"):
        assert _same(c, path) != 405, path


def _raw(base: str, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=30)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_head_on_the_plain_http_listener_socket(cluster_ctx) -> None:  # type: ignore[no-untyped-def]
    with fast_listener(cluster_ctx) as lst:
        for path in ("/healthz", "/readyz", "/ca/", "/ca/root.pem", "/login"):
            gs, gh, body = _raw(lst.base, "GET", path)
            hs, hh, hbody = _raw(lst.base, "HEAD", path)
            assert (hs, hbody) == (gs, b""), (path, gs, hs)
            assert hh.get("content-length") == gh.get("content-length") == str(len(body)), path
            assert hh.get("location") == gh.get("location"), path
        assert _raw(lst.base, "HEAD", "/healthz")[0] == 200
