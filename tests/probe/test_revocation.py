"""The `revoked` flag: the monitor's revocation check (CRL from a real HTTP server) run by
the probe when revocation checking is enabled."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from certyard import store
from certyard.cluster import init_cluster
from certyard.monitor import update_revocation_settings
from certyard.probe import probe_endpoint
from tests.probe.tlspki import NOW, Issued, issue, pem, python_server
from tests.support.ports import free_port

HOST = "rev.example"


def _crl(issuer: Issued, revoked: list[int]) -> bytes:
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject)
         .last_update(NOW - dt.timedelta(hours=1)).next_update(NOW + dt.timedelta(days=7)))
    for serial in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial)
            .revocation_date(NOW - dt.timedelta(minutes=30)).build())
    return b.sign(issuer.key, hashes.SHA256()).public_bytes(Encoding.DER)


@contextlib.contextmanager
def crl_server(port: int, data: bytes) -> Iterator[None]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield
    finally:
        srv.shutdown()
        srv.server_close()


def test_revoked_flag_only_for_revoked_certificate(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}/ca.crl"
    root = issue("Rev Root", ca=True, start=NOW - dt.timedelta(days=3))
    revoked = issue(HOST, issuer=root, sans=(HOST,), crl_url=url)
    good = issue(HOST, issuer=root, sans=(HOST,), crl_url=url)
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    store.upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    with crl_server(port, _crl(root, [revoked.cert.serial_number])):
        with python_server(tmp_path, pem(revoked), revoked.key_pem) as target:
            # Revocation checking off (default): no revocation finding at all.
            assert probe_endpoint(ctx, target, sni=HOST).flags == []
            update_revocation_settings(ctx, revocation_check_enabled=True,
                                       ocsp_enabled=False, crl_fallback=True,
                                       allowed_destinations=("127.0.0.1/32",))  # test peer
            report = probe_endpoint(ctx, target, sni=HOST)
            assert report.flags == ["revoked"], report.details
        with python_server(tmp_path, pem(good), good.key_pem) as target:
            report = probe_endpoint(ctx, target, sni=HOST)
            assert report.flags == [] and report.details["revocation"].startswith("good")
