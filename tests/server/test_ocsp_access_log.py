"""Fast-path OCSP answers are in the access log: the same ``certyard.access`` record the
full path's AccessLog writes (method, path without query string, status, body bytes,
listener, client, ms), for GET, HEAD and 304 answers; written shortly after the answer
(batched), and all of them by the time the listener stops."""

from __future__ import annotations

import base64
import logging
import time
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

from certyard import ca
from certyard.ca.ocsp_fast import canonical_request_der
from tests.ca.fast_server import fast_listener
from tests.ca.helpers import make_csr, setup_ca


def _wait_for(check: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _request_path(ctx: Any) -> str:
    setup_ca(ctx)
    _, csr = make_csr("logged.example.com")
    cert = x509.load_pem_x509_certificate(
        ca.issue_certificate_for_csr(ctx, csr, profile="server").pem.encode())
    ca.presign_responses(ctx)
    issuer = x509.load_pem_x509_certificate(ca.export_ca(ctx))
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    der = canonical_request_der(req.issuer_name_hash, req.issuer_key_hash, req.serial_number)
    return "/ocsp/" + base64.b64encode(der).decode().replace("+", "%2B") \
        .replace("/", "%2F").replace("=", "%3D")


def test_fast_answers_are_logged_like_the_full_path(
        ctx: Any, caplog: pytest.LogCaptureFixture) -> None:
    path = _request_path(ctx)
    caplog.set_level(logging.INFO, logger="certyard.access")

    def access() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "certyard.access"]

    with fast_listener(ctx, access_log=True) as srv, httpx.Client(base_url=srv.base) as client:
        assert srv.server is not None
        got = client.get(path)
        assert got.status_code == 200
        etag = got.headers["etag"]
        assert client.head(path).status_code == 200
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert srv.server.fast_answers == 3
        _wait_for(lambda: len(access()) >= 3, "three fast-path records")
        # The same request with a query string goes to the full application (AccessLog).
        assert client.get(path + "?secret=s3cr3t").status_code == 200
        assert srv.server.fast_answers == 3
        _wait_for(lambda: len(access()) >= 4, "the full path's record")
        for _ in range(20):  # all logged by the time the listener has stopped
            client.get(path)
    records = access()
    assert len(records) == 24
    fast, full = records[:3], records[3]
    assert [r.getMessage() for r in fast] == [f"GET {path} 200", f"HEAD {path} 200",
                                              f"GET {path} 304"]
    assert full.getMessage() == f"GET {path} 200"
    for r in [*fast, full]:
        assert r.levelno == logging.INFO
        assert r.listener == "http" and r.client == "127.0.0.1"  # type: ignore[attr-defined]
        assert isinstance(r.ms, float) and r.ms >= 0  # type: ignore[attr-defined]
    assert fast[0].bytes == len(got.content) == full.bytes  # type: ignore[attr-defined]
    assert fast[1].bytes == 0 and fast[2].bytes == 0  # type: ignore[attr-defined]
    assert fast[0].created <= fast[1].created <= fast[2].created <= full.created
    assert not any("secret" in r.getMessage() or "?" in r.getMessage() for r in records)


def test_nothing_is_buffered_when_info_is_off(
        ctx: Any, caplog: pytest.LogCaptureFixture) -> None:
    path = _request_path(ctx)
    caplog.set_level(logging.WARNING, logger="certyard.access")
    with fast_listener(ctx, access_log=True) as srv, httpx.Client(base_url=srv.base) as client:
        assert srv.server is not None
        assert client.get(path).status_code == 200
        assert srv.server.fast_answers == 1
        assert srv.server.access.waiting == []
    assert not [r for r in caplog.records if r.name == "certyard.access"]
