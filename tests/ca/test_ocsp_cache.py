"""The OCSP hot path: a repeated certificate is answered from memory (no database), another
replica's revocation is seen within the cache period, and GET accepts base64url too."""

from __future__ import annotations

import base64
import time

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from certyard import ca
from certyard.ca import ocsp as responder
from certyard.context import open_context
from tests.ca.helpers import make_csr, setup_ca
from tests.ca.server import public_server


def _request(ctx) -> tuple[x509.Certificate, str, bytes]:  # type: ignore[no-untyped-def]
    _, csr = make_csr("cached.example.com")
    issued = ca.issue_certificate_for_csr(ctx, csr, profile="server")
    cert = x509.load_pem_x509_certificate(issued.pem.encode())
    issuer = x509.load_pem_x509_certificate(ca.export_ca(ctx))
    der = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build() \
        .public_bytes(Encoding.DER)
    return cert, issued.serial, der


def _status(der: bytes) -> ocsp.OCSPCertStatus:
    return ocsp.load_der_ocsp_response(der).certificate_status


def test_repeat_is_a_memory_lookup_and_replica_revocation_is_seen(
        ctx, clock, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    ca.presign_responses(ctx)
    _cert, serial, der = _request(ctx)
    first = ca.ocsp_respond(ctx, der)
    assert _status(first) == ocsp.OCSPCertStatus.GOOD
    assert ca.ocsp_respond(ctx, der) == first  # now remembered by certificate
    assert ca.ocsp_cached(ctx, der) == first
    assert ca.ocsp_cached(ctx, der[:-1] + b"\x00") is None  # another serial

    # Another replica revokes the certificate. This process's memory is then put back to
    # what it would be in another process that has not heard of it (same process here,
    # so the replica's own cache drop touched it too).
    stale_cache = dict(responder._CACHE)
    marker = responder._EPOCH[1]
    replica = open_context(ctx.settings, clock=clock)
    try:
        ca.revoke_certificate(replica, serial, reason="keyCompromise")
    finally:
        replica.engine.dispose()
    monkeypatch.setattr(responder, "_CACHE", stale_cache)
    monkeypatch.setattr(responder, "_EPOCH", [time.monotonic() + 60, marker])
    assert ca.ocsp_cached(ctx, der) == first  # within the cache period: memory
    # Once the period is over, one marker query notices the revocation, drops the cache.
    responder._EPOCH[0] = 0.0
    assert ca.ocsp_cached(ctx, der) is None
    assert _status(ca.ocsp_respond(ctx, der)) == ocsp.OCSPCertStatus.REVOKED
    assert responder._EPOCH[1] != marker and responder._EPOCH[0] > time.monotonic()


def test_local_revocation_is_immediate(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    _cert, serial, der = _request(ctx)
    ca.ocsp_respond(ctx, der)
    ca.ocsp_respond(ctx, der)
    ca.revoke_certificate(ctx, serial, reason="superseded")
    assert ca.ocsp_cached(ctx, der) is None
    assert _status(ca.ocsp_respond(ctx, der)) == ocsp.OCSPCertStatus.REVOKED


def test_get_accepts_base64url_and_post_limit(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    cert, _, der = _request(ctx)
    with public_server(ctx) as base:
        for encoded in (base64.urlsafe_b64encode(der).decode().rstrip("="),
                        base64.b64encode(der).decode().replace("/", "%2F")
                        .replace("+", "%2B").replace("=", "%3D")):
            got = httpx.get(f"{base}/ocsp/{encoded}")
            assert got.status_code == 200
            assert got.headers["content-type"] == "application/ocsp-response"
            assert ocsp.load_der_ocsp_response(got.content).serial_number == \
                cert.serial_number
        bad = httpx.get(f"{base}/ocsp/bm90IGFuIE9DU1AgcmVxdWVzdA")
        assert ocsp.load_der_ocsp_response(bad.content).response_status == \
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        assert httpx.post(f"{base}/ocsp", content=b"x" * 20000).status_code == 413
