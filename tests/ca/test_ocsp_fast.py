"""The OCSP fast path of the plain-HTTP listener, checked with real ``openssl ocsp``:
good, revoked and unknown certificates over GET and POST; RFC 5019 caching headers, 304
on If-None-Match / If-Modified-Since, HEAD; what it cannot answer (nonce, unknown serial,
other paths) reaches the full application; a revocation is served at once; hostile
requests add nothing to the pre-signed set."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from certyard import ca
from certyard.ca.ocsp_fast import canonical_request_der
from tests.ca.fast_server import fast_listener
from tests.ca.helpers import make_csr, setup_ca, write_pem


def _issue(ctx: Any, cn: str) -> x509.Certificate:
    _, csr = make_csr(cn)
    return x509.load_pem_x509_certificate(
        ca.issue_certificate_for_csr(ctx, csr, profile="server").pem.encode())


def _openssl(*args: str, cwd: Path) -> str:
    done = subprocess.run(["openssl", "ocsp", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)
    return done.stdout + done.stderr


def _wait_for(check: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def pki(ctx: Any, tmp_path: Path) -> dict[str, Any]:
    setup_ca(ctx)
    good, revoked, unknown_src = (_issue(ctx, f"{n}.example.com")
                                  for n in ("good", "revoked", "unknown"))
    ca.revoke_certificate(ctx, format(revoked.serial_number, "x"), reason="keyCompromise")
    ca.presign_responses(ctx)
    issuer = x509.load_pem_x509_certificate(ca.export_ca(ctx))
    with ctx.read() as s:
        from certyard.ca.authority import ca_certificate, ca_chain

        chain = [ca_certificate(r) for r in ca_chain(s)]
    write_pem(tmp_path / "issuer.pem", issuer)
    write_pem(tmp_path / "chain.pem", *chain)
    write_pem(tmp_path / "good.pem", good)
    write_pem(tmp_path / "revoked.pem", revoked)
    # A certificate with the same issuer but a serial this CA never issued.
    stranger = (x509.CertificateBuilder().subject_name(unknown_src.subject)
                .issuer_name(unknown_src.issuer).public_key(unknown_src.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(
                    unknown_src.not_valid_before_utc).not_valid_after(
                    unknown_src.not_valid_after_utc))
    from cryptography.hazmat.primitives.asymmetric import ec

    write_pem(tmp_path / "unknown.pem", stranger.sign(ec.generate_private_key(ec.SECP256R1()),
                                                      hashes.SHA256()))
    return {"issuer": issuer, "good": good, "revoked": revoked, "dir": tmp_path}


def _get_path(der: bytes) -> str:
    return "/ocsp/" + base64.b64encode(der).decode().replace("+", "%2B") \
        .replace("/", "%2F").replace("=", "%3D")


def test_canonical_request_is_what_openssl_sends(pki: dict[str, Any]) -> None:
    d = pki["dir"]
    _openssl("-issuer", "issuer.pem", "-cert", "good.pem", "-no_nonce", "-reqout", "req.der",
             cwd=d)
    req = ocsp.load_der_ocsp_request((d / "req.der").read_bytes())
    assert canonical_request_der(req.issuer_name_hash, req.issuer_key_hash,
                                 req.serial_number) == (d / "req.der").read_bytes()


def test_openssl_post_good_revoked_unknown_and_nonce(ctx: Any, pki: dict[str, Any]) -> None:
    d = pki["dir"]
    with fast_listener(ctx) as srv:
        assert srv.server is not None
        url = f"{srv.base}/ocsp"
        common = ["-issuer", "issuer.pem", "-CAfile", "chain.pem", "-url", url]
        out = _openssl(*common, "-cert", "good.pem", "-no_nonce", cwd=d)
        assert "Response verify OK" in out and "good.pem: good" in out, out
        out = _openssl(*common, "-cert", "revoked.pem", "-no_nonce", cwd=d)
        assert "Response verify OK" in out and "revoked.pem: revoked" in out, out
        assert "Reason: keyCompromise" in out, out
        fast = srv.server.fast_answers
        assert fast == 2
        # Unknown serial and a nonce: the full responder answers (and signs).
        out = _openssl(*common, "-cert", "unknown.pem", "-no_nonce", cwd=d)
        assert "Response verify OK" in out and "unknown.pem: unknown" in out, out
        out = _openssl(*common, "-cert", "good.pem", cwd=d)  # openssl sends a nonce
        assert "Response verify OK" in out and "good.pem: good" in out, out
        assert "WARNING" not in out, out  # openssl checked the nonce echo
        assert srv.server.fast_answers == fast


def test_get_headers_conditional_and_head(ctx: Any, clock: Any, pki: dict[str, Any]) -> None:
    d = pki["dir"]
    _openssl("-issuer", "issuer.pem", "-cert", "good.pem", "-no_nonce", "-reqout", "req.der",
             cwd=d)
    der = (d / "req.der").read_bytes()
    with fast_listener(ctx) as srv, httpx.Client(base_url=srv.base) as client:
        got = client.get(_get_path(der))
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/ocsp-response"
        (d / "resp.der").write_bytes(got.content)
        out = _openssl("-respin", "resp.der", "-issuer", "issuer.pem", "-cert", "good.pem",
                       "-CAfile", "chain.pem", cwd=d)
        assert "Response verify OK" in out and "good.pem: good" in out, out
        resp = ocsp.load_der_ocsp_response(got.content)
        now = clock.now()
        cache_control = [p.strip() for p in got.headers["cache-control"].split(",")]
        assert {"public", "no-transform", "must-revalidate"} <= set(cache_control)
        max_age = int(next(p for p in cache_control if p.startswith("max-age="))[8:])
        assert max_age == int((resp.next_update_utc - now).total_seconds())  # type: ignore[operator]
        assert email.utils.parsedate_to_datetime(got.headers["expires"]) == \
            resp.next_update_utc
        assert email.utils.parsedate_to_datetime(got.headers["last-modified"]) == \
            resp.this_update_utc
        etag = got.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"')
        # base64url form of the same request: same bytes
        url_form = "/ocsp/" + base64.urlsafe_b64encode(der).decode().rstrip("=")
        assert client.get(url_form).content == got.content
        # Conditional GET
        not_modified = client.get(_get_path(der), headers={"If-None-Match": etag})
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert not_modified.headers["etag"] == etag
        # RFC 9110 15.4.5: a 304 carries the Expires the 200 would
        assert not_modified.headers["expires"] == got.headers["expires"]
        assert client.get(_get_path(der), headers={
            "If-None-Match": '"other"'}).status_code == 200
        assert client.get(_get_path(der), headers={
            "If-Modified-Since": got.headers["last-modified"]}).status_code == 304
        earlier = email.utils.format_datetime(
            resp.this_update_utc - dt.timedelta(hours=1), usegmt=True)
        assert client.get(_get_path(der), headers={
            "If-Modified-Since": earlier}).status_code == 200
        # HEAD: the headers without the body
        head = client.head(_get_path(der))
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(got.content))
        assert head.headers["etag"] == etag
        # POST of the same request: the same answer
        assert client.post("/ocsp", content=der).content == got.content
        # Everything else reaches the full application.
        crt = client.get("/ca/cert.pem")
        assert crt.status_code == 200 and b"BEGIN CERTIFICATE" in crt.content
        assert client.get("/healthz").status_code == 200
        moved = client.get("/somewhere?x=1")
        assert moved.status_code == 301
        assert moved.headers["location"].endswith(":8443/somewhere?x=1")
        bad = client.get("/ocsp/bm90IGFuIE9DU1AgcmVxdWVzdA")
        assert ocsp.load_der_ocsp_response(bad.content).response_status == \
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        assert client.post("/ocsp", content=b"x" * 20000).status_code == 413


def test_revocation_is_served_at_once(ctx: Any, pki: dict[str, Any]) -> None:
    der = ocsp.OCSPRequestBuilder().add_certificate(
        pki["good"], pki["issuer"], hashes.SHA1()).build().public_bytes(Encoding.DER)

    def status(client: httpx.Client) -> ocsp.OCSPCertStatus:
        return ocsp.load_der_ocsp_response(client.get(_get_path(der)).content) \
            .certificate_status

    with fast_listener(ctx, poll_seconds=60) as srv, httpx.Client(base_url=srv.base) as client:
        assert status(client) == ocsp.OCSPCertStatus.GOOD
        ca.revoke_certificate(ctx, format(pki["good"].serial_number, "x"), reason="superseded")
        # No poll within the test's time: the change listener refreshes the set.
        _wait_for(lambda: status(client) == ocsp.OCSPCertStatus.REVOKED, "the revocation")


def test_hostile_requests_add_nothing_to_the_presigned_set(ctx: Any,
                                                           pki: dict[str, Any]) -> None:
    issuer = pki["issuer"]
    with fast_listener(ctx) as srv, httpx.Client(base_url=srv.base) as client:
        assert srv.server is not None
        presigned = srv.server.presigned
        before = (len(presigned), len(presigned.by_request), len(presigned.by_cert_id))
        assert before[0] == before[1] == before[2] >= 3
        for i in range(3000):
            b = ocsp.OCSPRequestBuilder().add_certificate(pki["good"], issuer, hashes.SHA1())
            b = b.add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.55555.2"), os.urandom(64) + bytes([i % 256])),
                critical=False)
            got = client.post("/ocsp", content=b.build().public_bytes(Encoding.DER))
            assert got.status_code == 200
        assert (len(presigned), len(presigned.by_request), len(presigned.by_cert_id)) == before


@pytest.mark.slow
def test_serve_with_two_ocsp_workers_sharing_the_port(env: dict[str, str], cli: Any,
                                                      tmp_path: Path) -> None:
    """``certyard serve --ocsp-port P --ocsp-workers 2``: two processes answer on P, each
    with the pre-signed set, and both see a revocation made by another process."""
    import signal
    import sys

    from tests.ca.server import free_port

    https_port, http_port, ocsp_port = free_port(), free_port(), free_port()
    log = tmp_path / "serve.log"
    full = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from certyard.cli.main import run; run()", "serve",
             "--host", "127.0.0.1", "--https-port", str(https_port), "--http-port",
             str(http_port), "--ocsp-port", str(ocsp_port), "--ocsp-workers", "2",
             "--no-jobs"], env=full, stdout=fh, stderr=subprocess.STDOUT)
    try:
        def listening() -> int:
            lines = subprocess.run(["ss", "-Hltnp", f"sport = :{ocsp_port}"],
                                   capture_output=True, text=True, check=False).stdout
            return len({p.split(",")[0] for p in lines.split("pid=")[1:]})

        _wait_for(lambda: listening() == 2 or proc.poll() is not None,
                  "two processes on the OCSP port", 120)
        assert proc.poll() is None, log.read_text()
        _, csr = make_csr("workers.example.com")
        (tmp_path / "r.csr").write_bytes(csr.public_bytes(Encoding.PEM))
        from certyard.config import Settings
        from certyard.context import open_context

        ctx = open_context(Settings.from_env(full))
        try:
            issued = ca.issue_certificate_for_csr(ctx, csr, profile="server")
            ca.presign_responses(ctx)
            cert = x509.load_pem_x509_certificate(issued.pem.encode())
            issuer = x509.load_pem_x509_certificate(ca.export_ca(ctx))
        finally:
            ctx.engine.dispose()
        der = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()) \
            .build().public_bytes(Encoding.DER)

        def statuses() -> set[ocsp.OCSPCertStatus]:
            seen = set()
            for _ in range(20):  # new connections: the kernel spreads them over both
                got = httpx.get(f"http://127.0.0.1:{ocsp_port}{_get_path(der)}")
                assert got.status_code == 200
                seen.add(ocsp.load_der_ocsp_response(got.content).certificate_status)
            return seen

        _wait_for(lambda: statuses() == {ocsp.OCSPCertStatus.GOOD}, "good answers")
        assert cli("ca", "revoke", issued.serial, "--reason", "keyCompromise",
                   "--yes").code == 0
        _wait_for(lambda: statuses() == {ocsp.OCSPCertStatus.REVOKED}, "revoked answers")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    _wait_for(lambda: listening() == 0, "the workers to exit")
