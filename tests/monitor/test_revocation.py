"""Revocation checks against a real `openssl ocsp` responder on loopback."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_pem_x509_csr
from cryptography.x509.oid import ExtendedKeyUsageOID

from certyard import store
from certyard.alarms import list_alarms
from certyard.cluster.nodes import init_cluster
from certyard.monitor.revocation import (
    list_revocation_statuses,
    revocation_status_of,
    run_revocation_checks,
)
from certyard.monitor.settings import update_revocation_settings
from tests.monitor.ocsp_pki import NOW, OpenSSLResponder, index_line, make_cert, write_pem
from tests.support.ports import free_port

OCSP_SIGNING = [ExtendedKeyUsageOID.OCSP_SIGNING]


class Pki:
    def __init__(self, d: Path) -> None:
        self.dir = d
        self.root, self.root_key = make_cert("OCSP Test Root", ca=True)
        self.root_pem = write_pem(d / "root.pem", self.root, self.root_key)
        r, k = make_cert("OCSP Delegated Responder", issuer=self.root, issuer_key=self.root_key,
                         eku=OCSP_SIGNING)
        self.delegated = write_pem(d / "delegated.pem", r, k)
        other, other_key = make_cert("Rogue Root", ca=True)
        r2, k2 = make_cert("Rogue Responder", issuer=other, issuer_key=other_key,
                           eku=OCSP_SIGNING)
        self.rogue = write_pem(d / "rogue.pem", r2, k2)
        # a responder certificate from the right issuer but without id-kp-OCSPSigning
        r3, k3 = make_cert("Not A Responder", issuer=self.root, issuer_key=self.root_key)
        self.no_eku = write_pem(d / "noeku.pem", r3, k3)


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


def _install_leaf(ctx, pki: Pki, url: str | None, *, crl_url: str | None = None):  # type: ignore[no-untyped-def]
    """A tomcat certificate on node1 signed by the test root, with the OCSP URL in AIA."""
    csr = load_pem_x509_csr(store.generate_csr(ctx, "tomcat", node="node1").pem.encode())
    leaf, _ = make_cert("node1.example.com", issuer=pki.root, issuer_key=pki.root_key,
                        public_key=csr.public_key(), ocsp_url=url, crl_url=crl_url)
    store.upload_identity_certificate(ctx, "tomcat", leaf.public_bytes(
        serialization.Encoding.PEM), node="node1")
    entry = next(e for e in store.find_entries(ctx, type="identity", purpose="tomcat").items
                 if e.node == "node1")
    return leaf, entry.id


@pytest.fixture
def setup(ctx, pki):  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="node1", fqdn="node1.example.com")
    store.upload_trust_certificates(ctx, "tomcat-trust", pki.root_pem.read_bytes())
    update_revocation_settings(ctx, ocsp_enabled=True, ocsp_uri_source="certificate",
                               revocation_check_enabled=True, check_every=1,
                               check_every_unit="hours", timeout_seconds=2,
                               allowed_destinations=("127.0.0.1/32",))  # the test peers
    return ctx


def _responder(pki: Pki, leaf, *, signer: Path, revoked: bool = False,  # type: ignore[no-untyped-def]
               ndays: int | None = 1) -> OpenSSLResponder:
    sub = pki.dir / f"r{free_port()}"
    sub.mkdir()
    idx = index_line(leaf, revoked_at=NOW - dt.timedelta(hours=2) if revoked else None)
    return OpenSSLResponder(sub, ca=pki.root_pem, signer=signer, index=idx, ndays=ndays)


def _run_with(ctx, pki, *, signer=None, revoked=False, ndays=1):  # type: ignore[no-untyped-def]
    port = free_port()
    leaf, eid = _install_leaf(ctx, pki, f"http://127.0.0.1:{port}/")
    # Point at the responder via the configured URI so the port is known after the leaf.
    resp = _responder(pki, leaf, signer=signer or pki.delegated, revoked=revoked, ndays=ndays)
    update_revocation_settings(ctx, ocsp_uri_source="configured", ocsp_configured_uri=resp.url)
    try:
        report = run_revocation_checks(ctx)
    finally:
        resp.stop()
    return report, revocation_status_of(ctx, eid), eid


def test_good_via_delegated_responder(setup, pki):
    report, st, _ = _run_with(setup, pki)
    assert report.good == 1 and st.status == "good" and st.source == "ocsp", st.detail
    assert st.detail == "nonce checked"
    assert [s.status for s in list_revocation_statuses(setup)] == ["good"]


def test_good_signed_by_issuer_itself(setup, pki):
    _, st, _ = _run_with(setup, pki, signer=pki.root_pem)
    assert st.status == "good"


def test_revoked_raises_alarm(setup, pki):
    report, st, eid = _run_with(setup, pki, revoked=True)
    assert report.revoked == 1 and st.status == "revoked" and st.revoked_at is not None
    (alarm,) = list_alarms(setup, name="CertificateRevoked")
    assert alarm.object == f"store:{eid}" and alarm.severity == "Critical"


def test_aia_uri_from_certificate(setup, pki):
    port = free_port()
    leaf, eid = _install_leaf(setup, pki, f"http://127.0.0.1:{port}/")
    sub = pki.dir / "aia"
    sub.mkdir()
    resp = OpenSSLResponder(sub, ca=pki.root_pem, signer=pki.delegated, index=index_line(leaf),
                            port=port)
    try:
        assert run_revocation_checks(setup).good == 1
    finally:
        resp.stop()
    st = revocation_status_of(setup, eid)
    assert st.status == "good" and st.url == f"http://127.0.0.1:{port}/"


def test_no_ocsp_no_crl_is_unknown(setup, pki):
    update_revocation_settings(setup, ocsp_enabled=False)
    _, eid = _install_leaf(setup, pki, "http://127.0.0.1:9/")
    run_revocation_checks(setup)
    st = revocation_status_of(setup, eid)
    assert st.status == "unknown" and "no OCSP URI" in st.detail


@pytest.mark.parametrize("which", ["rogue", "no_eku"])
def test_untrusted_signer_rejected(setup, pki, which):
    report, st, eid = _run_with(setup, pki, signer=getattr(pki, which))
    assert report.error == 1 and st.status == "error"
    assert "neither in the trust store nor a delegated OCSP signer" in st.detail
    (alarm,) = list_alarms(setup, name="RevocationCheckFailed")
    assert alarm.object == f"store:{eid}"


def test_stale_response_rejected(setup, pki, clock):
    clock.advance(dt.timedelta(days=2))  # nextUpdate (now + 1 day) is now in the past
    _, st, _ = _run_with(setup, pki)
    assert st.status == "error" and "stale response" in st.detail


class _Replay(http.server.BaseHTTPRequestHandler):
    """Forwards the first request to the real responder and replays that answer forever."""

    upstream = ""
    cached: bytes | None = None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Replay.cached is None:
            req = urllib.request.Request(self.upstream, data=body, headers={
                "Content-Type": "application/ocsp-request"})
            with urllib.request.urlopen(req, timeout=5) as r:
                _Replay.cached = r.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(_Replay.cached)))
        self.end_headers()
        self.wfile.write(_Replay.cached)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def test_wrong_nonce_rejected(setup, pki):
    leaf, eid = _install_leaf(setup, pki, "http://127.0.0.1:9/")
    resp = _responder(pki, leaf, signer=pki.delegated)
    _Replay.upstream, _Replay.cached = resp.url, None
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        update_revocation_settings(setup, ocsp_uri_source="configured",
                                   ocsp_configured_uri=f"http://127.0.0.1:{proxy.server_port}/")
        run_revocation_checks(setup)
        assert revocation_status_of(setup, eid).status == "good"  # first answer is genuine
        run_revocation_checks(setup, force=True)  # the replay carries the old nonce
        st = revocation_status_of(setup, eid)
        assert st.status == "error" and "nonce does not match" in st.detail
    finally:
        proxy.shutdown()
        resp.stop()


def test_hanging_responder_times_out(setup, pki):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts (the kernel completes the handshake) and never answers
    try:
        port = listener.getsockname()[1]
        _, eid = _install_leaf(setup, pki, f"http://127.0.0.1:{port}/")
        # The check ends on its own timeout (pytest-timeout catches a hang); the status
        # names the timeout, which is the outcome that matters.
        report = run_revocation_checks(setup)
        st = revocation_status_of(setup, eid)
        assert report.error == 1 and st.status == "error" and "timeout" in st.detail
    finally:
        listener.close()


def test_disabled_does_nothing_and_schedule_respected(setup, pki, clock):
    update_revocation_settings(setup, revocation_check_enabled=False)
    assert run_revocation_checks(setup).skipped
    update_revocation_settings(setup, revocation_check_enabled=True)
    report, _, _ = _run_with(setup, pki)
    assert report.checked == 1
    assert run_revocation_checks(setup).checked == 0  # not due for an hour
    clock.advance(dt.timedelta(minutes=61))
    assert run_revocation_checks(setup).checked == 1  # due again (responder gone: error)


def _serve_bytes(data: bytes, port: int = 0) -> http.server.ThreadingHTTPServer:
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.mark.parametrize("signed_by_issuer", [True, False], ids=["issuer", "forged"])
def test_crl_fallback_when_no_ocsp(setup, pki, signed_by_issuer):
    from cryptography import x509 as cx
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    port = free_port()
    leaf, eid = _install_leaf(setup, pki, None, crl_url=f"http://127.0.0.1:{port}/root.crl")
    key = pki.root_key if signed_by_issuer else ec.generate_private_key(ec.SECP256R1())
    crl = (cx.CertificateRevocationListBuilder().issuer_name(pki.root.subject)
           .last_update(NOW - dt.timedelta(hours=1)).next_update(NOW + dt.timedelta(days=1))
           .add_revoked_certificate(cx.RevokedCertificateBuilder()
                                    .serial_number(leaf.serial_number)
                                    .revocation_date(NOW - dt.timedelta(hours=1)).build())
           .sign(key, hashes.SHA256()))
    srv = _serve_bytes(crl.public_bytes(serialization.Encoding.DER), port)
    try:
        run_revocation_checks(setup)
    finally:
        srv.shutdown()
    st = revocation_status_of(setup, eid)
    if signed_by_issuer:
        assert st.status == "revoked" and st.source == "crl"
    else:
        assert st.status == "error" and "not signed by the certificate's issuer" in st.detail
