"""Revocation, CRL numbering and the OCSP responder at the service layer and over HTTP."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509 import ocsp

from certyard import ca
from certyard.context import open_context
from tests.ca.helpers import make_csr, setup_ca
from tests.ca.server import public_server
from tests.support.openssl_ca import openssl


def _issue(ctx, cn: str = "www.example.com") -> tuple[x509.Certificate, str]:  # type: ignore[no-untyped-def]
    _, csr = make_csr(cn)
    issued = ca.issue_certificate_for_csr(ctx, csr, profile="server")
    return x509.load_pem_x509_certificate(issued.pem.encode()), issued.serial


def _issuer(ctx) -> x509.Certificate:  # type: ignore[no-untyped-def]
    return x509.load_pem_x509_certificate(ca.export_ca(ctx))


def _crl(ctx) -> x509.CertificateRevocationList:  # type: ignore[no-untyped-def]
    return x509.load_der_x509_crl(ca.current_crl(ctx))


def _ask(ctx, cert, issuer, *, nonce: bytes | None = None) -> ocsp.OCSPResponse:  # type: ignore[no-untyped-def]
    b = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())
    if nonce:
        b = b.add_extension(x509.OCSPNonce(nonce), critical=False)
    return ocsp.load_der_ocsp_response(ca.ocsp_respond(ctx, b.build().public_bytes(
        Encoding.DER)))


def test_crl_number_and_entries(ctx, env, clock) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    issuer = _issuer(ctx)
    first = _crl(ctx)
    assert first.is_signature_valid(issuer.public_key())
    n0 = first.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    certs = [_issue(ctx, f"h{i}.example.com") for i in range(3)]
    ca.revoke_certificate(ctx, certs[0][1], reason="keyCompromise")
    ca.revoke_certificate(ctx, certs[1][1], reason="unspecified")
    ca.revoke_certificate(ctx, certs[2][1], reason="certificateHold")
    crl = _crl(ctx)
    n3 = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert n3 == n0 + 3
    assert crl.is_signature_valid(issuer.public_key())
    by_serial = {r.serial_number: r for r in crl}
    assert set(by_serial) == {c.serial_number for c, _ in certs}
    r0 = by_serial[certs[0][0].serial_number]
    assert r0.extensions.get_extension_for_class(x509.CRLReason).value.reason == \
        x509.ReasonFlags.key_compromise
    # "unspecified" is left out of the entry (RFC 5280 5.3.1).
    assert len(by_serial[certs[1][0].serial_number].extensions) == 0
    # Hold is reversible; the entry disappears and the CRL number still grows.
    released = ca.release_hold(ctx, certs[2][1])
    assert released.status == "good" and released.crl_number == n3 + 1
    assert certs[2][0].serial_number not in {r.serial_number for r in _crl(ctx)}
    # A held certificate can be revoked for good.
    ca.revoke_certificate(ctx, certs[2][1], reason="certificateHold")
    view = ca.revoke_certificate(ctx, certs[2][1], reason="cessationOfOperation")
    assert view.status == "revoked"
    # Across a restart (a new context, as another replica would be), numbering continues.
    other = open_context(ctx.settings, clock=clock)
    try:
        _, serial = _issue(other, "late.example.com")
        v = ca.revoke_certificate(other, serial)
        assert v.crl_number == n3 + 4
    finally:
        other.engine.dispose()
    # The CRL is regenerated once half its validity has passed.
    before = _crl(ctx).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    clock.advance(dt.timedelta(days=4))
    later = _crl(ctx).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert later == before + 1
    assert ca.refresh_crls(ctx) == 1  # the root's CRL was due as well
    assert ca.refresh_crls(ctx) == 0  # nothing due right after


def test_revoking_an_expired_certificate(ctx, clock) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    _, csr = make_csr("old.example.com")
    issued = ca.issue_certificate_for_csr(ctx, csr, profile="server", days=1)
    clock.advance(dt.timedelta(days=3))
    view = ca.revoke_certificate(ctx, issued.serial, reason="superseded")
    assert view.status == "revoked"


def test_ocsp_good_revoked_unknown_nonce(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    issuer = _issuer(ctx)
    cert, serial = _issue(ctx)
    resp = _ask(ctx, cert, issuer)
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert resp.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        issuer.public_key()).digest
    issuer.public_key().verify(resp.signature, resp.tbs_response_bytes,
                               __import__("cryptography.hazmat.primitives.asymmetric.ec",
                                          fromlist=["ECDSA"]).ECDSA(resp.signature_hash_algorithm))
    # Pre-signed: the same bytes twice without a nonce (a lookup, not a signature).
    b = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    der = b.public_bytes(Encoding.DER)
    assert ca.ocsp_respond(ctx, der) == ca.ocsp_respond(ctx, der)
    # A nonce is echoed in a freshly signed answer.
    with_nonce = _ask(ctx, cert, issuer, nonce=b"0123456789abcdef")
    assert with_nonce.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == \
        b"0123456789abcdef"
    # Revocation re-signs at once: the next lookup says revoked, with time and reason.
    ca.revoke_certificate(ctx, serial, reason="keyCompromise")
    resp = ocsp.load_der_ocsp_response(ca.ocsp_respond(ctx, der))
    assert resp.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert resp.revocation_reason == x509.ReasonFlags.key_compromise
    assert resp.revocation_time_utc is not None
    # Unknown serial (same issuer) -> unknown.
    other_key, other_csr = make_csr("x.example.com")
    fake = (x509.CertificateBuilder().subject_name(other_csr.subject)
            .issuer_name(issuer.subject).public_key(other_csr.public_key())
            .serial_number(12345).not_valid_before(cert.not_valid_before_utc)
            .not_valid_after(cert.not_valid_after_utc).sign(other_key, hashes.SHA256()))
    resp = _ask(ctx, fake, issuer)
    assert resp.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    # Garbage -> malformedRequest; another issuer -> unauthorized.
    bad = ocsp.load_der_ocsp_response(ca.ocsp_respond(ctx, b"\x30\x03\x02\x01\x00"))
    assert bad.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    stranger = (x509.CertificateBuilder().subject_name(other_csr.subject)
                .issuer_name(other_csr.subject).public_key(other_csr.public_key())
                .serial_number(5).not_valid_before(cert.not_valid_before_utc)
                .not_valid_after(cert.not_valid_after_utc).sign(other_key, hashes.SHA256()))
    resp = _ask(ctx, fake, stranger)
    assert resp.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    assert ca.presign_responses(ctx) >= 0


def test_http_endpoints(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    issuer = _issuer(ctx)
    cert, _ = _issue(ctx)
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    der = req.public_bytes(Encoding.DER)
    with public_server(ctx) as base:
        page = httpx.get(f"{base}/ca/")
        assert page.status_code == 200
        assert "Install this CA certification path" in page.text
        for os_name in ("Windows", "macOS", "Linux", "Firefox"):
            assert f"<h3>{os_name}</h3>" in page.text
        for path in ("ca/root.pem", "ca/root.crt", "ca/cert.pem", "ca/cert.crt",
                     "ca/chain.p7b", "ca/crl"):
            body = httpx.get(f"{base}/{path}")
            assert body.status_code == 200, path
            assert hashlib.sha512(body.content).hexdigest() in page.text, path
        p7 = httpx.get(f"{base}/ca/chain.p7b").content
        chain = pkcs7.load_der_pkcs7_certificates(p7)
        assert len(chain) == 2 and issuer in chain
        (tmp_path / "chain.p7b").write_bytes(p7)
        text = openssl("pkcs7", "-inform", "DER", "-in", str(tmp_path / "chain.p7b"),
                       "-print_certs").decode()
        assert "Root CA" in text and "Issuing CA" in text
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        ca_issuers = next(a for a in aia if a.access_method.dotted_string.endswith(".2"))
        path = ca_issuers.access_location.value.split("/", 3)[3]
        assert x509.load_der_x509_certificate(httpx.get(f"{base}/{path}").content) == issuer
        got = httpx.post(f"{base}/ocsp", content=der,
                         headers={"Content-Type": "application/ocsp-request"})
        assert got.headers["content-type"] == "application/ocsp-response"
        assert ocsp.load_der_ocsp_response(got.content).certificate_status == \
            ocsp.OCSPCertStatus.GOOD
        encoded = base64.b64encode(der).decode().replace("/", "%2F").replace("+", "%2B")
        via_get = httpx.get(f"{base}/ocsp/{encoded}")
        assert ocsp.load_der_ocsp_response(via_get.content).serial_number == \
            cert.serial_number
        assert httpx.get(f"{base}/ca/99.crl").status_code == 404
        assert httpx.post(f"{base}/ocsp", content=b"x" * 20000).status_code == 413


def test_crl_numbers_unique_across_replicas(ctx, clock) -> None:  # type: ignore[no-untyped-def]
    """Two replicas (contexts with their own engines) revoking at once: every revocation
    gets its own CRL number, none is reused, none skipped."""
    import threading

    setup_ca(ctx)
    serials = [_issue(ctx, f"r{i}.example.com")[1] for i in range(8)]
    n0 = _crl(ctx).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    replicas = [open_context(ctx.settings, clock=clock) for _ in range(2)]
    numbers: list[int] = []
    errors: list[BaseException] = []

    def work(rep, mine: list[str]) -> None:  # type: ignore[no-untyped-def]
        try:
            for sn in mine:
                numbers.append(ca.revoke_certificate(rep, sn, reason="superseded").crl_number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(replicas[i], serials[i::2]))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for rep in replicas:
        rep.engine.dispose()
    assert not errors, errors
    assert sorted(numbers) == list(range(n0 + 1, n0 + 9))
    assert len(_crl(ctx)) == 8
