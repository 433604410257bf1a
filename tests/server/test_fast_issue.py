"""``POST /api/v1/ca/issued`` answered by the HTTPS listener's protocol below the framework
(server.fast_issue with api.v1.issue_fast.IssueRoute), on a real uvicorn server built by
``https_config`` as ``certyard serve`` builds it: the same answers as the framework route
(compared with the in-process client, which never takes the fast path), the same guards,
and uvicorn's connection handling intact (keep-alive, pipelining, HTTP/1.0, 100-continue,
clients that go away). Both backends."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard import accounts
from certyard.db.models.ca import CaIssued
from certyard.http.app import SECURITY_HEADERS
from certyard.server.app import create_app
from certyard.server.https_listener import https_config
from tests.api.helpers import ISSUE_URL, Harness, csr_pem, make_harness, stored_certificates
from tests.support.ports import listening_socket

URL = ISSUE_URL
ADMIN = "Certificate Administrator"




@contextmanager
def _served(h: Harness) -> Iterator[tuple[str, Any]]:
    """The HTTPS application on a real uvicorn (plain TCP: the protocol is the same one
    the TLS listener runs). Yields the base URL and the protocol class."""
    app = create_app(h.ctx)
    sock = listening_socket()
    port = int(sock.getsockname()[1])
    cfg = https_config(app, "127.0.0.1", port, 1.0)
    server = uvicorn.Server(cfg)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", cfg.http_protocol_class
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture
def live(ctx: Any) -> Iterator[tuple[Harness, httpx.Client, Any]]:
    h = make_harness(ctx, with_ca=True)
    with _served(h) as (base, protocol), httpx.Client(base_url=base, timeout=30) as client:
        yield h, client, protocol


def test_the_protocol_answers_with_the_routes_shape_and_every_guard_header(
        live: tuple[Harness, httpx.Client, Any], caplog: pytest.LogCaptureFixture) -> None:
    h, client, protocol = live
    assert "FastIssue" in protocol.__name__ and protocol.__name__.startswith("Guarded")
    with caplog.at_level(logging.INFO, logger="certyard.access"):
        r = client.post(URL, json={"csr": csr_pem("a.pub.example.com"), "profile": "server",
                                   "days": 30}, headers=h.as_role(ADMIN))
        protocol.access.flush()
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    assert int(r.headers["content-length"]) == len(r.content)
    assert "date" in r.headers
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    body = r.json()
    assert list(body) == ["request_id", "serial", "subject", "sans", "profile", "not_before",
                          "not_after", "pem", "chain_pem"]
    cert = x509.load_pem_x509_certificate(body["pem"].encode())
    assert format(cert.serial_number, "x") == body["serial"]
    chain = x509.load_pem_x509_certificates(body["chain_pem"].encode())
    assert cert.issuer == chain[0].subject
    with h.ctx.read() as s:
        row = s.scalar(select(CaIssued).where(CaIssued.serial == body["serial"]))
        assert row is not None and row.der == cert.public_bytes(Encoding.DER)
    # The framework route gives the same fields for the same kind of request.
    again = h.client.post(URL, json={"csr": csr_pem("b.pub.example.com"), "profile": "server",
                                     "days": 30}, headers=h.as_role(ADMIN))
    assert again.status_code == 201 and list(again.json()) == list(body)
    # The access log: the record AccessLog writes, path without query, status, bytes.
    records = [r for r in caplog.records if r.name == "certyard.access"
               and r.getMessage() == f"POST {URL} 201"]
    assert records and records[0].bytes == len(r.content)  # type: ignore[attr-defined]
    assert records[0].listener == "https"  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", ["bad_csr", "ca_profile", "bad_token", "read_only",
                                  "no_such_profile", "coerced", "broken_json", "not_object",
                                  "cookie_no_csrf", "form", "query"])
def test_every_answer_is_the_frameworks_answer(live: tuple[Harness, httpx.Client, Any],
                                               case: str) -> None:
    """What the fast path refuses it refuses as the route does; what it does not take
    (coerced values, broken JSON, a cookie, a form, a query string) reaches the route."""
    h, client, _ = live
    admin = h.as_role(ADMIN)
    json_headers = {**admin, "Content-Type": "application/json"}
    request: dict[str, Any] = {
        "bad_csr": {"json": {"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END "
                                    "CERTIFICATE REQUEST-----\n"}, "headers": admin},
        "ca_profile": {"json": {"csr": csr_pem("c.pub.example.com"), "profile": "sub-ca"},
                       "headers": admin},
        "bad_token": {"json": {"csr": csr_pem("c.pub.example.com")},
                      "headers": {"Authorization": "Bearer cyt_not-a-token"}},
        "read_only": {"json": {"csr": csr_pem("c.pub.example.com")},
                      "headers": h.as_role("Read-only")},
        "no_such_profile": {"json": {"csr": csr_pem("c.pub.example.com"), "profile": "nope"},
                            "headers": admin},
        "coerced": {"json": {"csr": csr_pem("c.pub.example.com"), "days": "30"},
                    "headers": admin},
        "broken_json": {"content": b'{"csr": "x",', "headers": json_headers},
        "not_object": {"content": b'["csr"]', "headers": json_headers},
        "cookie_no_csrf": {"json": {"csr": csr_pem("c.pub.example.com")},
                           "headers": {"Cookie": "certyard_session=nope"}},
        "form": {"content": b"csr=x", "headers": {**admin, "Content-Type":
                                                  "application/x-www-form-urlencoded"}},
        "query": {"json": {"csr": csr_pem("c.pub.example.com")}, "headers": admin,
                  "params": {"x": "1"}},
    }[case]
    before = stored_certificates(h.ctx)
    fast = client.post(URL, **request)
    slow = h.client.post(URL, **request)
    assert fast.status_code == slow.status_code, (fast.text, slow.text)
    if fast.status_code == 201:
        assert set(fast.json()) == set(slow.json())
        assert stored_certificates(h.ctx) == before + 2
    else:
        assert fast.json() == slow.json()
        assert stored_certificates(h.ctx) == before
        assert fast.status_code < 500
    assert fast.headers["x-frame-options"] == "DENY"
    assert fast.headers["cache-control"] == "no-store"


def test_the_allowlist_the_body_limit_and_a_changed_password_rule_apply(
        live: tuple[Harness, httpx.Client, Any]) -> None:
    h, client, _ = live
    admin = h.as_role(ADMIN)
    big = {"csr": "A" * (h.ctx.settings.max_upload_bytes * 3 + 5 * 1024 * 1024)}
    assert client.post(URL, json=big, headers=admin).status_code == 413
    accounts.add_allowed(h.ctx, "192.0.2.0/24")  # 127.0.0.1 is not in it
    r = client.post(URL, json={"csr": csr_pem("e.pub.example.com")}, headers=admin)
    assert r.status_code == 403 and "allowlist" in r.json()["error"]["message"]
    accounts.delete_allowed(h.ctx, "192.0.2.0/24")
    accounts.create_user(h.ctx, "newadm", role=ADMIN, password="Correct-horse-9",
                         must_change_password=True)
    token = accounts.create_token(h.ctx, "newadm", name="t")[1]
    r = client.post(URL, json={"csr": csr_pem("e.pub.example.com")},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "password_change_required"
    assert stored_certificates(h.ctx) == 0


def _raw(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _request(h: Harness, cn: str, *, version: str = "1.1", extra: str = "") -> bytes:
    body = json.dumps({"csr": csr_pem(cn)}).encode()
    token = h.as_role(ADMIN)["Authorization"]
    return (f"POST {URL} HTTP/{version}\r\nHost: x\r\nAuthorization: {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
            ).encode() + body


def _responses(sock: socket.socket, count: int) -> list[tuple[int, dict[str, str], bytes]]:
    data = b""
    out: list[tuple[int, dict[str, str], bytes]] = []
    while len(out) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(out)} answers"
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(data) < length:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
        out.append((int(lines[0].split()[1]), headers, data[:length]))
        data = data[length:]
    return out


def test_keep_alive_and_pipelined_requests_are_answered_in_order(
        live: tuple[Harness, httpx.Client, Any]) -> None:
    h, client, _ = live
    base = str(client.base_url).rstrip("/")
    with _raw(base) as sock:
        # Three fast requests and a framework one in between, written at once.
        sock.sendall(_request(h, "p1.pub.example.com") + b"GET /healthz HTTP/1.1\r\n"
                     b"Host: x\r\n\r\n" + _request(h, "p2.pub.example.com")
                     + _request(h, "p3.pub.example.com"))
        answers = _responses(sock, 4)
        assert [a[0] for a in answers] == [201, 200, 201, 201]
        names = [json.loads(a[2])["subject"] for a in answers if a[0] == 201]
        assert names == ["CN=p1.pub.example.com", "CN=p2.pub.example.com",
                         "CN=p3.pub.example.com"]
        # The connection stays open for the next one.
        sock.sendall(_request(h, "p4.pub.example.com"))
        assert _responses(sock, 1)[0][0] == 201
    assert stored_certificates(h.ctx) == 4


def test_http_1_0_expect_continue_and_connection_close(
        live: tuple[Harness, httpx.Client, Any]) -> None:
    h, client, _ = live
    base = str(client.base_url).rstrip("/")
    with _raw(base) as sock:  # HTTP/1.0: the framework answers and closes
        sock.sendall(_request(h, "old.pub.example.com", version="1.0"))
        status, headers, _ = _responses(sock, 1)[0]
        assert status == 201
        assert sock.recv(10) == b""
    with _raw(base) as sock:  # Connection: close on the fast path
        sock.sendall(_request(h, "close.pub.example.com", extra="Connection: close\r\n"))
        status, headers, _ = _responses(sock, 1)[0]
        assert status == 201 and headers["connection"] == "close"
        assert sock.recv(10) == b""
    with _raw(base) as sock:  # 100-continue: the framework's cycle sends the interim answer
        request = _request(h, "cont.pub.example.com", extra="Expect: 100-continue\r\n")
        head, body = request.split(b"\r\n\r\n", 1)
        sock.sendall(head + b"\r\n\r\n")
        assert sock.recv(64).startswith(b"HTTP/1.1 100")
        sock.sendall(body)
        assert _responses(sock, 1)[0][0] == 201
    assert stored_certificates(h.ctx) == 3


def test_a_client_that_goes_away(live: tuple[Harness, httpx.Client, Any]) -> None:
    """Before its body is complete: nothing is stored. After: the certificate is stored
    (its commit is never cancelled) and the server goes on answering."""
    h, client, _ = live
    base = str(client.base_url).rstrip("/")
    request = _request(h, "gone.pub.example.com")
    with _raw(base) as sock:
        sock.sendall(request[:-20])
    time.sleep(0.3)
    assert stored_certificates(h.ctx) == 0
    with _raw(base) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_RDWR)
    deadline = time.monotonic() + 20
    while stored_certificates(h.ctx) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored_certificates(h.ctx) == 1
    r = client.post(URL, json={"csr": csr_pem("after.pub.example.com")},
                    headers=h.as_role(ADMIN))
    assert r.status_code == 201


def test_concurrent_clients_each_get_their_own_certificate(
        live: tuple[Harness, httpx.Client, Any]) -> None:
    h, client, _ = live
    base = str(client.base_url).rstrip("/")
    names = [f"c{i}.pub.example.com" for i in range(24)]
    requests = {n: _request(h, n) for n in names}
    got: dict[str, int] = {}

    def one(name: str) -> None:
        with _raw(base) as sock:
            sock.sendall(requests[name])
            status, _, body = _responses(sock, 1)[0]
            got[name] = status
            assert json.loads(body)["subject"] == f"CN={name}"

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert got == {n: 201 for n in names}
    with h.ctx.read() as s:
        serials = s.scalars(select(CaIssued.serial)).all()
    assert len(serials) == len(set(serials)) == len(names)


def test_a_store_outage_during_the_fast_check_is_the_guards_503(
        live: tuple[Harness, httpx.Client, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The allowlist read fails (the database went away): the request goes to the
    framework, whose error boundary answers 503 with Retry-After, never a 400."""
    from sqlalchemy.exc import OperationalError

    h, client, _ = live

    def down(*_args: Any, **_kw: Any) -> bool:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(accounts.AuthCache, "is_allowed", down)
    r = client.post(URL, json={"csr": csr_pem("down.pub.example.com")}, headers=h.as_role(ADMIN))
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "5"
    assert r.json()["error"]["code"] == "database_unavailable"
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    assert stored_certificates(h.ctx) == 0


def test_a_number_too_long_for_python_is_the_routes_422(
        live: tuple[Harness, httpx.Client, Any]) -> None:
    h, client, _ = live
    body = b'{"csr": "x", "days": ' + b"9" * 5000 + b"}"
    r = client.post(URL, content=body, headers={**h.as_role(ADMIN),
                                                "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert "too long" in r.json()["error"]["message"]
