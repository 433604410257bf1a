"""The ACME pages end to end in real headless Chromium against ``certyard serve``, with a
real client: an administrator adds a profile that requires EAB and approval, creates an
EAB key (shown once), points the validator at a local DNS server and the client's port;
lego registers with that key and orders; the order shows "awaiting approval" with a link
to the CA's pending request, the administrator issues it there, and lego (never
restarted) gets its certificate. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from cryptography import x509

from tests.support.dns import DnsServer
from tests.support.peers import requires_peer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LEGO = shutil.which("lego")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).parents[2] / "test-output" / "screenshots"
NEW_PW = "Fresh-Start-Pass-7"

pytestmark = [pytest.mark.slow,
              requires_peer(Path(CHROMIUM).exists(), "chromium",
                            install="apt-get install chromium"),
              requires_peer(LEGO is not None, "lego", install="apt-get install lego")]


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"acme-{name}.png"), full_page=True)


def _first_sign_in(page, base: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/account/password")
    page.fill("input[name=current_password]", password)
    page.fill("input[name=new_password]", NEW_PW)
    page.fill("input[name=confirm_password]", NEW_PW)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")


def _wait_for(page, url: str, text: str, deadline: float = 120) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + deadline
    while True:
        page.goto(url)
        if text in page.content():
            return
        assert time.monotonic() < end, f"{text!r} never appeared on {url}"
        time.sleep(0.5)


def test_acme_admin_journey_with_approval(served, browser, dns_server: DnsServer,  # type: ignore[no-untyped-def]
                                          tmp_path: Path) -> None:
    from tests.support.ports import free_port

    base = served.url
    page = browser.new_context(ignore_https_errors=True).new_page()
    page.on("dialog", lambda d: d.accept())  # confirmations name the effect; accept them
    _first_sign_in(page, base, served.password)

    # The menu leads to the ACME pages; no profile yet.
    page.click("nav.main a:has-text('ACME')")
    page.wait_for_url("**/acme-server/profiles")
    assert "No ACME profiles yet" in page.content()

    # A wrong value comes back next to its field, with what was typed kept.
    page.fill("input[name=name]", "lab")
    page.fill("input[name=allowed_suffixes]", dns_server.zone)
    page.fill("input[name=days]", "ninety")
    page.click("#profile-form button[type=submit]")
    assert page.locator("#err-days").is_visible()
    assert page.input_value("input[name=allowed_suffixes]") == dns_server.zone
    page.fill("input[name=days]", "30")
    page.select_option("select[name=approval]", "required")
    page.check("input[name=eab_required]")
    page.click("#profile-form button[type=submit]")
    page.wait_for_url("**/acme-server/profiles")
    directory = f"{base}/acme/lab/directory"
    assert directory in page.locator(".notice").inner_text()
    assert page.locator("#acme-profiles", has_text="administrator").is_visible()
    _shot(page, "01-profiles")

    # An EAB key for the profile: shown once.
    page.click("nav.tabs a:has-text('EAB keys')")
    page.select_option("select[name=profile]", "lab")
    page.fill("input[name=description]", "lego on web01")
    page.click("main button:has-text('Create key')")
    kid = page.locator("#eab-kid").inner_text().strip()
    hmac_key = page.locator("#eab-hmac").inner_text().strip()
    _shot(page, "02-eab-key-created")
    page.goto(f"{base}/acme-server/eab-keys")
    assert kid in page.content() and hmac_key not in page.content()

    # Validator settings: the client's port and the local DNS server.
    http_port = free_port()
    page.click("nav.tabs a:has-text('Settings')")
    page.fill("input[name=http_port]", str(http_port))
    page.fill("input[name=dns_resolver]", f"{dns_server.address}:{dns_server.port}")
    page.click("main button:has-text('Save')")
    assert "ACME settings saved" in page.locator(".notice").inner_text()
    _shot(page, "03-settings")

    # lego registers with the key and orders; the order waits for the administrator.
    name = dns_server.name("journey")
    dns_server.add_a(name, "127.0.0.1")
    served_pem = tmp_path / "served.pem"
    served_pem.write_text(ssl.get_server_certificate(("127.0.0.1", served.https_port)))
    tls_name = x509.load_pem_x509_certificate(served_pem.read_bytes()).extensions \
        .get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.DNSName)[0]
    home = tmp_path / "lego"
    lego = subprocess.Popen(
        [LEGO or "lego", "--server", directory, "--path", str(home), "--accept-tos",
         "--email", "ops@example.com", "--eab", "--kid", kid, "--hmac", hmac_key,
         "--http", "--http.port", f"127.0.0.1:{http_port}", "--cert.timeout", "600",
         "--domains", name, "run"],
        env={**os.environ, "LEGO_CA_CERTIFICATES": str(served_pem),
             "LEGO_CA_SERVER_NAME": tls_name},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(page, f"{base}/acme-server/orders?status=processing", "awaiting approval")
        _shot(page, "04-order-awaiting-approval")
        page.locator("#acme-orders a").first.click()
        page.wait_for_url("**/acme-server/orders/*")
        assert page.locator("#awaiting-approval").is_visible()
        assert name in page.content()
        _shot(page, "05-order-detail")
        page.click("#awaiting-approval a")
        page.wait_for_url("**/ca/requests/*")
        assert name in page.content()
        _shot(page, "06-pending-request")
        if page.locator("input[name=accept_served_change]").count():
            page.check("input[name=accept_served_change]")
        page.click("button:has-text('Issue certificate')")
        page.wait_for_url("**/ca/certificates/*")
        out, _ = lego.communicate(timeout=300)
        assert lego.returncode == 0, out
    finally:
        if lego.poll() is None:
            lego.kill()
            lego.wait()
    cert = x509.load_pem_x509_certificates((home / "certificates" / f"{name}.crt")
                                           .read_bytes())[0]
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.DNSName) == [name]

    page.goto(f"{base}/acme-server/orders")
    assert page.locator("#acme-orders .badge.ok", has_text="valid").count() == 1
    _shot(page, "07-orders")
    page.goto(f"{base}/acme-server/accounts")
    assert page.locator("#acme-accounts", has_text=kid).is_visible()
    _shot(page, "08-accounts")
