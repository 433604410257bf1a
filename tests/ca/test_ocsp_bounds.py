"""What a stranger can make the OCSP responder keep or sign is bounded (issue 14, findings
4, 19 and 20): the cache holds one entry per issued certificate whatever the requests look
like; nonces longer than RFC 8954's 32 bytes are refused; signatures made for one client
are rate-limited per source; a revoked delegated responder certificate is never used."""

from __future__ import annotations

import os

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from certyard import ca
from certyard.ca import ocsp as responder
from tests.ca.helpers import make_csr, setup_ca
from tests.ca.server import public_server

_SHA1 = hashes.SHA1()


def _issue(ctx, cn: str) -> x509.Certificate:  # type: ignore[no-untyped-def]
    _, csr = make_csr(cn)
    return x509.load_pem_x509_certificate(
        ca.issue_certificate_for_csr(ctx, csr, profile="server").pem.encode())


def _issuer(ctx) -> x509.Certificate:  # type: ignore[no-untyped-def]
    return x509.load_pem_x509_certificate(ca.export_ca(ctx))


def _req(cert: x509.Certificate, issuer: x509.Certificate, *, nonce: bytes | None = None,
         padding: bytes | None = None) -> bytes:
    b = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, _SHA1)
    if nonce is not None:
        b = b.add_extension(x509.OCSPNonce(nonce), critical=False)
    if padding is not None:  # an unknown, non-critical extension: a big distinct request
        b = b.add_extension(x509.UnrecognizedExtension(
            x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), padding), critical=False)
    return b.build().public_bytes(Encoding.DER)


def _status(der: bytes) -> ocsp.OCSPResponseStatus:
    return ocsp.load_der_ocsp_response(der).response_status


def test_cache_is_bounded_by_issued_certificates_not_requests(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    issuer = _issuer(ctx)
    certs = [_issue(ctx, f"h{i}.example.com") for i in range(3)]
    responder.forget_cached()
    responder._ISSUERS.clear()  # CAs of earlier tests in this process
    with public_server(ctx) as base, httpx.Client(base_url=base) as client:
        for i in range(3000):
            # 3,000 distinct ~15 KB nonce-free requests for the issued certificates.
            der = _req(certs[i % 3], issuer, padding=os.urandom(15_000 // 2) + i.to_bytes(4, "big"))
            got = client.post("/ocsp", content=der)
            assert got.status_code == 200
            resp = ocsp.load_der_ocsp_response(got.content)
            assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
            assert resp.serial_number == certs[i % 3].serial_number
    assert responder.cache_size() <= 3
    assert len(responder._ISSUERS) <= 4  # one entry per CA and hash algorithm


def test_unknown_serials_are_not_cached_and_their_signatures_are_capped(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    issuer = _issuer(ctx)
    cert = _issue(ctx, "known.example.com")
    name_hash, key_hash = responder.issuer_hashes(issuer, _SHA1)
    now = [0.0]
    budget = responder.SignatureBudget(rate=1.0, burst=5, max_sources=2, clock=lambda: now[0])
    responder.forget_cached()
    statuses = []
    for serial in range(1000, 1010):
        der = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
            name_hash, key_hash, serial, _SHA1).build().public_bytes(Encoding.DER)
        statuses.append(_status(ca.ocsp_respond(ctx, der, source="198.51.100.7",
                                                budget=budget)))
    assert statuses[:5] == [ocsp.OCSPResponseStatus.SUCCESSFUL] * 5
    assert statuses[5:] == [ocsp.OCSPResponseStatus.TRY_LATER] * 5
    assert responder.cache_size() == 0
    # Another source has its own budget; a known certificate without a nonce costs none.
    der = _req(cert, issuer)
    for _ in range(10):
        assert _status(ca.ocsp_respond(ctx, der, source="198.51.100.7",
                                       budget=budget)) == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert _status(ca.ocsp_respond(ctx, _req(cert, issuer, nonce=b"n" * 32),
                                   source="203.0.113.9", budget=budget)) == \
        ocsp.OCSPResponseStatus.SUCCESSFUL
    # The table of sources is bounded too.
    for i in range(50):
        budget.allow(f"192.0.2.{i}")
    assert len(budget) == 2
    # Time refills the bucket.
    now[0] = 3.0
    assert _status(ca.ocsp_respond(ctx, _req(cert, issuer, nonce=b"m" * 16),
                                   source="198.51.100.7", budget=budget)) == \
        ocsp.OCSPResponseStatus.SUCCESSFUL


def test_nonce_longer_than_32_bytes_is_malformed(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    issuer = _issuer(ctx)
    cert = _issue(ctx, "nonce.example.com")
    for nonce in (b"x" * 33, b"y" * 15_000):
        assert _status(ca.ocsp_respond(ctx, _req(cert, issuer, nonce=nonce))) == \
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    for nonce in (b"z", b"w" * 32):
        resp = ocsp.load_der_ocsp_response(ca.ocsp_respond(ctx, _req(cert, issuer, nonce=nonce)))
        assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce


def _signer_of(der: bytes) -> x509.Certificate | None:
    resp = ocsp.load_der_ocsp_response(der)
    return resp.certificates[0] if resp.certificates else None


def test_revoked_delegated_responder_is_never_used(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    ca.configure_ca(ctx, ocsp_delegated=True)
    issuer = _issuer(ctx)
    cert = _issue(ctx, "leaf.example.com")
    der = _req(cert, issuer)
    first = _signer_of(ca.ocsp_respond(ctx, der))
    assert first is not None
    assert ExtendedKeyUsageOID.OCSP_SIGNING in first.extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    ca.revoke_certificate(ctx, format(first.serial_number, "x"), reason="keyCompromise")
    # The stored answer it signed is gone; the next one comes from a successor.
    resp = ca.ocsp_respond(ctx, der)
    second = _signer_of(resp)
    assert second is not None and second.serial_number != first.serial_number
    parsed = ocsp.load_der_ocsp_response(resp)
    assert parsed.certificate_status == ocsp.OCSPCertStatus.GOOD
    key = second.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(parsed.signature, parsed.tbs_response_bytes, ec.ECDSA(hashes.SHA256()))
    # The revoked responder itself is answered as revoked, not by itself.
    status = ocsp.load_der_ocsp_response(ca.ocsp_respond(ctx, _req(first, issuer)))
    assert status.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert _signer_of(ca.ocsp_respond(ctx, _req(first, issuer))).serial_number != \
        first.serial_number  # type: ignore[union-attr]


def test_revoked_responder_without_successor_falls_back_to_the_ca(ctx) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from certyard.db.models.ca import CaIssued

    setup_ca(ctx)
    ca.configure_ca(ctx, ocsp_delegated=True)
    issuer = _issuer(ctx)
    cert = _issue(ctx, "fallback.example.com")
    # Marked revoked by a path that did not retire it (an older replica, a restore).
    with ctx.transaction() as s:
        s.execute(update(CaIssued).where(CaIssued.profile == "ocsp")
                  .values(status="revoked", revoked_at=ctx.clock.now(),
                          revocation_reason="keyCompromise"))
    resp = ocsp.load_der_ocsp_response(ca.ocsp_respond(ctx, _req(cert, issuer, nonce=b"k" * 20)))
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert not resp.certificates  # signed by the CA itself
    assert resp.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        issuer.public_key()).digest
