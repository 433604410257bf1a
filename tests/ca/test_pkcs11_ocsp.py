"""OCSP while the CA key's token is away: a stored answer that is still valid is served
(even when it is due for re-signing), anything that needs a new signature gets a
well-formed ``tryLater`` (RFC 6960 status 3) with HTTP 200, never a 500; over POST and GET,
through the plain router and through the fast-path listener's fallback; the token alarm
is raised, and signing resumes when the token is back."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import time
from collections.abc import Callable
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from certyard import ca
from certyard.alarms import list_alarms
from tests.ca.fast_server import fast_listener
from tests.ca.helpers import make_csr, setup_ca
from tests.ca.server import public_server
from tests.ca.softhsm import SoftHsm, softhsm, unique_label  # noqa: F401 (fixture)


def _wait(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _request(leaf: x509.Certificate, issuer: x509.Certificate, *,
             nonce: bool = False) -> bytes:
    b = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1())
    if nonce:
        b = b.add_extension(x509.OCSPNonce(b"n" * 16), critical=False)
    return b.build().public_bytes(Encoding.DER)


def _get(base: str, der: bytes) -> httpx.Response:
    encoded = base64.b64encode(der).decode().replace("+", "%2B").replace("/", "%2F") \
        .replace("=", "%3D")
    return httpx.get(f"{base}/ocsp/{encoded}", timeout=30)


def _post(base: str, der: bytes) -> httpx.Response:
    return httpx.post(f"{base}/ocsp", content=der, timeout=30,
                      headers={"Content-Type": "application/ocsp-request"})


def _status(r: httpx.Response) -> ocsp.OCSPResponseStatus:
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(r.content).response_status


def test_ocsp_while_the_token_is_away(ctx: Any, softhsm: SoftHsm) -> None:  # noqa: F811
    setup_ca(ctx, key_type="EC", key_size=256, pkcs11=ca.TokenRef.from_options(
        module=softhsm.module, token=softhsm.label, key_label=unique_label("ocsp"),
        pin_file=str(softhsm.pin_file)))
    issuer = x509.load_pem_x509_certificate(ca.export_ca(ctx))
    answered, never = (
        x509.load_pem_x509_certificate(v.pem.encode())
        for v in ca.issue_certificates_for_csrs(
            ctx, [make_csr("a.example.com")[1], make_csr("b.example.com")[1]],
            profile="server"))
    stored = ca.ocsp_respond(ctx, _request(answered, issuer))  # signed and stored
    assert ocsp.load_der_ocsp_response(stored).certificate_status == ocsp.OCSPCertStatus.GOOD
    # Past half the answer's validity: it is due for re-signing, but still valid.
    ctx.clock.advance(dt.timedelta(hours=ca.ca_settings(ctx).ocsp_hours * 0.6))

    away = softhsm.tokens.with_name("tokens.away")
    shutil.move(softhsm.tokens, away)
    try:
        with public_server(ctx) as base:
            for send in (_get, _post):
                r = send(base, _request(answered, issuer))
                assert _status(r) == ocsp.OCSPResponseStatus.SUCCESSFUL
                assert r.content == stored  # the stored answer, served as it is
                for der in (_request(answered, issuer, nonce=True), _request(never, issuer)):
                    assert _status(send(base, der)) == ocsp.OCSPResponseStatus.TRY_LATER
        with fast_listener(ctx) as srv:
            # The listener's fast path serves the stored answer from memory; what needs a
            # signature reaches the full app behind it and is answered tryLater, not 500.
            for send in (_get, _post):
                r = send(srv.base, _request(answered, issuer))
                assert _status(r) == ocsp.OCSPResponseStatus.SUCCESSFUL
                assert r.content == stored
                for der in (_request(answered, issuer, nonce=True), _request(never, issuer)):
                    assert _status(send(srv.base, der)) == ocsp.OCSPResponseStatus.TRY_LATER
        _wait(lambda: any(not a.cleared for a in list_alarms(ctx, name="CaKeyTokenUnavailable")),
              "the token alarm")
    finally:
        shutil.move(away, softhsm.tokens)

    # The token is back: the due answer is re-signed, a nonce is answered again.
    again = ca.ocsp_respond(ctx, _request(answered, issuer, nonce=True))
    resp = ocsp.load_der_ocsp_response(again)
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
    fresh = ca.ocsp_respond(ctx, _request(answered, issuer))
    assert fresh != stored
    assert ocsp.load_der_ocsp_response(fresh).certificate_status == ocsp.OCSPCertStatus.GOOD
