"""End-to-end in real headless Chromium (Debian's package) against ``certyard serve``:
first sign-in with the forced password change, CSR → built-in CA → certificate list →
download with SHA-512 check, lockout, session termination, allowlist refusal. Screenshots
of the main pages go to test-output/screenshots/."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from certyard import accounts
from certyard.config import Settings
from certyard.context import open_context
from tests.support.peers import requires_peer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).parents[2] / "test-output" / "screenshots"
NEW_PW = "Fresh-Start-Pass-7"

pytestmark = [pytest.mark.slow,
              requires_peer(Path(CHROMIUM).exists(), "chromium",
                            install="apt-get install chromium")]


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
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, base: str, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_admin_journey(served, browser):
    base = served.url
    ctx = open_context(Settings.from_env(served.env))
    page = browser.new_context(ignore_https_errors=True, accept_downloads=True).new_page()
    # First sign-in: the one-time password, then a forced change.
    page.goto(base)
    assert "/login" in page.url
    _shot(page, "01-sign-in")
    _sign_in(page, base, "admin", served.password)
    page.wait_for_url("**/account/password")
    _shot(page, "02-forced-password-change")
    page.fill("input[name=current_password]", served.password)
    page.fill("input[name=new_password]", "short")
    page.fill("input[name=confirm_password]", "short")
    page.click("main button[type=submit]")
    assert page.locator(".field-error").is_visible()
    page.fill("input[name=current_password]", served.password)
    page.fill("input[name=new_password]", NEW_PW)
    page.fill("input[name=confirm_password]", NEW_PW)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")  # the dashboard
    page.goto(f"{base}/certificates")
    _shot(page, "03-certificates")

    # Generate a CSR for tomcat; its key-length choices follow the purpose.
    page.goto(f"{base}/certificates/generate-csr?purpose=tomcat")
    options = page.locator("select[name=key_length] option").all_inner_texts()
    assert "2048" in options and "384" not in options
    _shot(page, "04-generate-csr")
    page.click("main form[method=post] button.primary")
    page.wait_for_url("**/certificates/*")
    assert "CSR" in page.content()

    # Send it to the built-in CA and issue it.
    page.goto(f"{base}/certificates/download-csr")
    _shot(page, "05-download-csr")
    page.click("text=Send to built-in CA")
    page.wait_for_url("**/ca/requests/*")
    _shot(page, "06-ca-request")
    page.once("dialog", lambda d: d.accept())  # the confirmation naming the effect
    if page.locator("input[name=accept_served_change]").count():
        page.check("input[name=accept_served_change]")
    page.click("button:has-text('Issue certificate')")
    page.wait_for_url("**/ca/certificates/*")
    page.goto(f"{base}/ca?tab=issued")
    assert page.locator("table.data tbody tr").count() >= 1
    _shot(page, "07-ca-issued")

    # The CA-issued certificate is in the list; its details carry the SHA-512.
    page.goto(f"{base}/certificates?purpose=tomcat&type=identity")
    row = page.locator("table.data tbody tr", has_text="Issuing CA").first
    assert row.is_visible()
    row.locator("a").first.click()
    page.wait_for_url("**/certificates/*")
    _shot(page, "08-certificate-details")
    shown = page.locator("#sha512").inner_text().strip()
    with page.expect_download() as dl:
        page.click("text=Download .DER file")
    data = Path(dl.value.path()).read_bytes()
    assert hashlib.sha512(data).hexdigest() == shown

    page.goto(f"{base}/nodes")
    _shot(page, "09-nodes")
    page.goto(f"{base}/accounts?tab=rules")
    _shot(page, "10-authentication-rules")

    # Lockout after the configured failures.
    accounts.create_user(ctx, "victim", role="Read-only", password="Sturdy-Pass-55x",
                         must_change_password=False)
    accounts.set_auth_rules(ctx, failed_attempts=3, lockout_minutes=None)
    other = browser.new_context(ignore_https_errors=True).new_page()
    for _ in range(3):
        _sign_in(other, base, "victim", "Wrong-Pass-00")
    _sign_in(other, base, "victim", "Sturdy-Pass-55x")
    assert "locked" in other.locator(".form-error").inner_text()
    _shot(other, "11-locked-out")

    # Session termination signs the victim out on their next request.
    page.goto(f"{base}/accounts?tab=users")
    page.locator("tr", has_text="victim").locator("button:has-text('Unlock')").click()
    _sign_in(other, base, "victim", "Sturdy-Pass-55x")
    other.wait_for_url(base + "/")
    page.goto(f"{base}/accounts?tab=sessions")
    assert page.locator("table.data", has_text="victim").is_visible()
    page.fill("input[name=user]", "victim")
    _shot(page, "12-session-management")
    page.click("button:has-text('Terminate Session')")
    other.goto(f"{base}/certificates")
    assert "/login" in other.url

    # Allowlist: a request from elsewhere is refused before any page; the CLI recovers.
    # This process is not the server's: the change reaches it within the server's re-read
    # bound (accounts.authcache.RECHECK_SECONDS), so wait for it rather than assume.
    accounts.add_allowed(ctx, "10.200.0.0/16")
    _until(page, f"{base}/certificates", lambda: "allowlist" in page.content())
    accounts.delete_allowed(ctx, "10.200.0.0/16")
    _until(page, f"{base}/certificates", lambda: "Certificates" in page.title())
    ctx.engine.dispose()


def _until(page: Any, url: str, done: Callable[[], bool], deadline: float = 30.0) -> None:
    """Load ``url`` until ``done()`` (a condition, with a generous deadline)."""
    end = time.monotonic() + deadline
    while True:
        page.goto(url)
        if done():
            return
        assert time.monotonic() < end, page.content()[:500]
        time.sleep(0.2)
