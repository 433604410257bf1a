"""``certyard serve`` for real: first run, HTTPS with the tomcat certificate (hot reloaded),
TLS policy applied, the plain-HTTP listener."""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest

from certyard import store
from certyard.config import Settings
from certyard.context import open_context

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


def _peer_cert_fingerprint(port: int, *extra: str) -> tuple[int, str]:
    p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                        "-servername", "localhost", *extra],
                       input=b"", capture_output=True, timeout=20)
    if p.returncode != 0:
        return p.returncode, ""
    f = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"],
                       input=p.stdout, capture_output=True, timeout=10)
    return 0, f.stdout.decode().split("=", 1)[-1].strip().replace(":", "").lower()


def _wait(pred, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.3)
    return False


def test_first_run_prints_url_admin_and_password(served):
    assert f"https://127.0.0.1:{served.https_port}/" in served.output
    assert "Initial administrator: admin" in served.output
    assert len(served.password) >= 12
    import re

    c = httpx.Client(verify=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get(f"{served.url}/login").text)
    r = c.post(f"{served.url}/login", data={"username": "admin", "password": served.password,
                                            "csrf_token": token.group(1)})
    assert r.status_code == 303 and r.headers["location"] == "/account/password"


def test_http_listener_redirects_and_serves_ca(served):
    base = f"http://127.0.0.1:{served.http_port}"
    r = httpx.get(f"{base}/certificates?x=1")
    assert r.status_code == 301
    import re

    fqdn = re.search(r"\(publisher (\S+)\)", served.output).group(1)
    assert r.headers["location"] == f"https://{fqdn}:{served.https_port}/certificates?x=1"
    r = httpx.get(f"{base}/ca/root.pem")
    assert r.status_code == 200 and b"BEGIN CERTIFICATE" in r.content


def test_certificate_and_tls_policy_reload_without_restart(served):
    ctx = open_context(Settings.from_env(served.env))
    try:
        tomcat = store.find_entries(ctx, purpose="tomcat", type="identity").items[0]
        code, fp = _peer_cert_fingerprint(served.https_port)
        assert code == 0 and fp == tomcat.fingerprint_sha256
        new = store.generate_self_signed(ctx, "tomcat").entries[0]
        assert _wait(lambda: _peer_cert_fingerprint(served.https_port)[1] ==
                     new.fingerprint_sha256)
        # TLS 1.2 works now; a minimum of 1.3 refuses it on new connections.
        assert _peer_cert_fingerprint(served.https_port, "-tls1_2")[0] == 0
        from certyard.db.models import Setting

        with ctx.transaction() as s:
            s.merge(Setting(name="tls", value={"min_version": "1.3"},
                            updated_at=ctx.clock.now()))
        assert _wait(lambda: _peer_cert_fingerprint(served.https_port, "-tls1_2")[0] != 0)
        assert _peer_cert_fingerprint(served.https_port, "-tls1_3")[0] == 0
    finally:
        ctx.engine.dispose()
