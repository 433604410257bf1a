"""dehydrated (Debian's package, bash + curl + openssl) against certyard's ACME server:
http-01 through a web root that a tiny loopback web server publishes, a config file in
the test's directory; it registers (RSA account key, RS256), obtains one certificate for
two names, renews it and revokes it. ``openssl verify`` accepts it with the CA chain and
OCSP says revoked after the revocation."""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from certyard import acme
from tests.acme.lab import Lab, acme_lab, leaf_of, ocsp_status, openssl_verify, sans
from tests.support.dns import DnsServer
from tests.support.peers import requires_peer

DEHYDRATED = shutil.which("dehydrated")
pytestmark = [pytest.mark.slow,
              requires_peer(DEHYDRATED is not None, "dehydrated",
                            install="apt-get install dehydrated"),
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@contextlib.contextmanager
def web_root(root: Path, port: int) -> Iterator[list[str]]:
    """Serves ``root`` at ``http://127.0.0.1:port/`` (the files dehydrated writes to
    WELLKNOWN appear under /.well-known/acme-challenge/); yields the paths asked for."""
    seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                             partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def _run(config: Path, *args: str) -> str:
    done = subprocess.run([DEHYDRATED or "dehydrated", "-f", str(config), *args],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "LC_ALL": "C"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _config(lab: Lab, base: Path, directory: str) -> Path:
    wellknown = base / "www" / ".well-known" / "acme-challenge"
    wellknown.mkdir(parents=True)
    config = base / "config"
    config.write_text(f'''CA="{directory}"
BASEDIR="{base}"
WELLKNOWN="{wellknown}"
CHALLENGETYPE="http-01"
CONTACT_EMAIL="ops@example.com"
KEY_ALGO=prime256v1
RENEW_DAYS="45"
CURL_OPTS="--cacert {lab.srv.root_pem}"
''')
    return config


def test_dehydrated_http01(env: dict[str, str], tmp_path: Path,
                           dns_server: DnsServer) -> None:
    with acme_lab(env, tmp_path, dns_server) as lab:
        directory = lab.profile("dehydrated")
        names = lab.names("dh-a", "dh-b")
        base = tmp_path / "dehydrated"
        config = _config(lab, base, directory)
        domains = [a for n in names for a in ("-d", n)]
        with web_root(base / "www", lab.http_port) as seen:
            _run(config, "--register", "--accept-terms")
            [account] = acme.list_accounts(lab.ctx, profile="dehydrated")
            assert account.status == "valid" and account.tos_agreed

            _run(config, "--cron", *domains)
            cert = base / "certs" / names[0] / "cert.pem"
            first = leaf_of(cert)
            assert sans(first) == sorted(names)
            openssl_verify(lab, base / "certs" / names[0] / "fullchain.pem")
            assert ocsp_status(lab, cert) == "good"
            assert len([p for p in seen if p.startswith("/.well-known/acme-challenge/")]) == 2

            # The certificate lasts 30 days and RENEW_DAYS is 45: the next run renews it.
            out = _run(config, "--cron", *domains)
            assert "Renewing" in out or "renew" in out.lower()
            second = leaf_of(cert)
            assert second.serial_number != first.serial_number
            openssl_verify(lab, cert)

            kept = tmp_path / "renewed.pem"
            shutil.copy(cert, kept)  # dehydrated renames what it revoked
            _run(config, "--revoke", str(cert))
            assert ocsp_status(lab, kept) == "revoked"
        statuses = [o.status for o in acme.list_orders(lab.ctx, profile="dehydrated")]
        assert statuses == ["valid", "valid"]
