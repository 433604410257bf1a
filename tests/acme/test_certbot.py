"""certbot (Debian's) against the ACME server over real HTTPS on loopback, names resolved by
a real authoritative DNS server (BIND 9), http-01 answered by certbot's standalone server:
register with EAB, two names, renew, revoke; `openssl verify` accepts the certificates
with the CA chain and `openssl ocsp` says revoked afterwards. Approval mode: certbot waits
while the request is pending and completes when an administrator approves it with the CLI
(another thread); a denial ends certbot with the reason."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID

from certyard import acme, ca
from certyard.config import Settings
from certyard.context import open_context
from tests.acme.helpers import AcmeServer, acme_server, setup_ca
from tests.ca.server import public_server
from tests.support.dns import DnsServer, dns_server  # noqa: F401  (fixture)
from tests.support.peers import requires_peer
from tests.support.ports import free_port

CERTBOT = shutil.which("certbot")
pytestmark = [requires_peer(CERTBOT is not None, "certbot", install="apt-get install certbot"),
              pytest.mark.timeout(600), pytest.mark.slow]
NAMES = ("www.acme.test", "api.acme.test")


class Setup:
    def __init__(self, ctx: Any, srv: AcmeServer, http_port: int, tmp: Path,
                 env: dict[str, str]) -> None:
        self.ctx, self.srv, self.http_port, self.tmp, self.env = ctx, srv, http_port, tmp, env

    def certbot(self, *args: str, wait: bool = True) -> Any:
        d = self.tmp / "certbot"
        cmd = [CERTBOT or "certbot", *args, "-n", "--config-dir", str(d / "config"),
               "--work-dir", str(d / "work"), "--logs-dir", str(d / "logs")]
        env = {**os.environ, "REQUESTS_CA_BUNDLE": str(self.srv.root_pem)}
        if not wait:
            return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)

    def certonly(self, profile: str, *extra: str, wait: bool = True) -> Any:
        names = [a for n in NAMES for a in ("-d", n)]
        return self.certbot("certonly", "--agree-tos", "-m", "ops@example.com", "--server",
                            self.srv.directory(profile), "--standalone", "--http-01-port",
                            str(self.http_port), "--http-01-address", "127.0.0.1",
                            *names, *extra, wait=wait)

    def live(self, name: str = "www.acme.test") -> Path:
        return self.tmp / "certbot" / "config" / "live" / name


@pytest.fixture
def setup(env: dict[str, str], tmp_path: Path, dns_server: DnsServer  # noqa: F811
          ) -> Iterator[Setup]:
    ctx = open_context(Settings.from_env(env))  # the system clock: certbot's is real
    for name in NAMES:
        dns_server.add_a(name, "127.0.0.1")
    with public_server(ctx) as http_base:
        setup_ca(ctx)
        ca.configure_ca(ctx, base_url=http_base)  # AIA/OCSP of what is issued
        http_port = free_port()
        acme.update_acme_settings(ctx, http_port=http_port,
                                  dns_resolver=f"127.0.0.1:{dns_server.port}",
                                  allowed_networks=["127.0.0.0/8"])
        with acme_server(ctx, tmp_path / "srv") as srv:
            yield Setup(ctx, srv, http_port, tmp_path, env)
    ctx.engine.dispose()


def _verify(s: Setup, cert: Path) -> x509.Certificate:
    r = subprocess.run(["openssl", "verify", "-CAfile", str(s.srv.root_pem), "-untrusted",
                        str(s.srv.chain_pem), str(cert)], capture_output=True, text=True)
    assert r.returncode == 0 and ": OK" in r.stdout, r.stdout + r.stderr
    leaf = x509.load_pem_x509_certificates(cert.read_bytes())[0]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(san.get_values_for_type(x509.DNSName)) == sorted(NAMES)
    return leaf


def _ocsp(s: Setup, cert: Path) -> str:
    leaf = x509.load_pem_x509_certificates(cert.read_bytes())[0]
    aia = leaf.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    url = next(d.access_location.value for d in aia
               if d.access_method == AuthorityInformationAccessOID.OCSP)
    r = subprocess.run(["openssl", "ocsp", "-issuer", str(s.srv.chain_pem), "-cert",
                        str(cert), "-url", url, "-CAfile", str(s.srv.root_pem)],
                       capture_output=True, text=True, timeout=60)
    assert "Response verify OK" in r.stdout + r.stderr, r.stdout + r.stderr
    return r.stdout


def test_certbot_with_eab_two_names_renew_revoke(setup: Setup) -> None:
    s = setup
    acme.add_profile(s.ctx, "web", allowed_suffixes=["acme.test"], eab_required=True,
                     days=30)
    key = acme.create_eab_key(s.ctx, "web")
    r = s.certonly("web")
    assert r.returncode != 0 and "external account" in (r.stdout + r.stderr).lower()
    r = s.certonly("web", "--eab-kid", key.kid, "--eab-hmac-key", key.hmac_key)
    assert r.returncode == 0, r.stdout + r.stderr
    first = _verify(s, s.live() / "cert.pem")
    _verify(s, s.live() / "fullchain.pem")
    [account] = acme.list_accounts(s.ctx)
    assert account.eab_kid == key.kid and account.contact == ["mailto:ops@example.com"]
    assert ": good" in _ocsp(s, s.live() / "cert.pem")

    r = s.certbot("renew", "--force-renewal", "--no-random-sleep-on-renew")
    assert r.returncode == 0, r.stdout + r.stderr
    second = _verify(s, s.live() / "cert.pem")
    assert second.serial_number != first.serial_number
    assert len(acme.list_orders(s.ctx, status="valid")) == 2

    r = s.certbot("revoke", "--cert-path", str(s.live() / "cert.pem"), "--reason",
                  "keycompromise", "--no-delete-after-revoke", "--server",
                  s.srv.directory("web"))
    assert r.returncode == 0, r.stdout + r.stderr
    issued = ca.show_issued(s.ctx, format(second.serial_number, "x"))
    assert issued.status == "revoked" and issued.reason == "keyCompromise"
    out = _ocsp(s, s.live() / "cert.pem")
    assert ": revoked" in out and "Reason: keyCompromise" in out


def _wait_pending(ctx: Any, deadline: float = 120) -> ca.RequestView:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        pending = ca.list_requests(ctx, state="pending")
        if pending:
            return pending[0]
        time.sleep(0.2)
    raise AssertionError("no pending request appeared")


def _cli_in_thread(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run the real `certyard` CLI from another thread; the result lands in the dict."""
    result: dict[str, Any] = {}

    def run() -> None:
        cli = str(Path(sys.executable).parent / "certyard")  # this interpreter's, not PATH's
        result["proc"] = subprocess.run([cli, *args], env={**os.environ, **env},
                                        capture_output=True, text=True, timeout=120)

    t = threading.Thread(target=run)
    t.start()
    result["thread"] = t
    return result


def test_certbot_waits_for_approval(setup: Setup) -> None:
    s = setup
    acme.add_profile(s.ctx, "gate", allowed_suffixes=["acme.test"], approval="required")
    proc = s.certonly("gate", wait=False)
    req = _wait_pending(s.ctx)
    assert sorted(req.sans) == sorted(f"DNS:{n}" for n in NAMES)
    assert proc.poll() is None  # still waiting for the administrator
    cli = _cli_in_thread(s.env, "ca", "issue", str(req.id))
    out, err = proc.communicate(timeout=240)
    cli["thread"].join()
    assert cli["proc"].returncode == 0, cli["proc"].stderr
    assert proc.returncode == 0, out + err
    _verify(s, s.live() / "cert.pem")


def test_certbot_denied_with_the_reason(setup: Setup) -> None:
    s = setup
    acme.add_profile(s.ctx, "gate", allowed_suffixes=["acme.test"], approval="required")
    proc = s.certonly("gate", wait=False)
    req = _wait_pending(s.ctx)
    cli = _cli_in_thread(s.env, "ca", "deny", str(req.id), "--reason",
                         "names not registered with the platform team")
    out, err = proc.communicate(timeout=240)
    cli["thread"].join()
    assert cli["proc"].returncode == 0, cli["proc"].stderr
    assert proc.returncode != 0
    assert "IssuanceError" in out + err
    # certbot 2.1 prints IssuanceError without its text (acme.errors.IssuanceError has an
    # empty message in that release); the order it received, in its own log, has it.
    log = (s.tmp / "certbot" / "logs" / "letsencrypt.log").read_text()
    assert "the administrator denied the request: names not registered with the platform " \
           "team" in log
    assert not s.live().exists()
