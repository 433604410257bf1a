"""The Monitoring page in real headless Chromium against ``certyard serve`` (screenshots in
test-output/screenshots/), and /metrics over real HTTPS: refused anonymously, served to a
token holder and to an allowlisted address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from certyard import accounts, store
from certyard.alarms import raise_alarm
from certyard.config import Settings
from certyard.context import open_context
from certyard.monitor.scrape_access import set_metrics_allowlist
from tests.support.peers import requires_peer
from tests.web.server import Served, start_serve, stop_serve
from tests.web.test_e2e_chromium import ARGS, CHROMIUM, SHOTS

PASSWORD = "Watchful-Pass-42"
pytestmark = [pytest.mark.slow,
              requires_peer(Path(CHROMIUM).exists(), "chromium",
                            install="apt-get install chromium")]


@pytest.fixture(params=["sqlite"])
def backend(request):  # type: ignore[no-untyped-def]
    return request.param


@pytest.fixture
def served(env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    s = start_serve(env, tmp_path / "serve.log")
    try:
        yield s
    finally:
        stop_serve(s)


def test_monitoring_page_and_metrics(served):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    ctx = open_context(Settings.from_env(served.env))
    accounts.create_user(ctx, "oper", role="System Administrator", password=PASSWORD,
                         must_change_password=False)
    _, token = accounts.create_token(ctx, "oper", name="prometheus")
    store.generate_self_signed(ctx, "tomcat")
    with ctx.transaction() as s:
        raise_alarm(s, ctx, name="CertificateExpiring", object="store:1",
                    message="tomcat expires in 20 days")
    base = served.url

    with httpx.Client(verify=False, timeout=10) as h:
        r = h.get(f"{base}/metrics")
        assert r.status_code == 401 and "certyard_" not in r.text
        r = h.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert "certyard_certificate_not_after_timestamp_seconds{" in r.text
        set_metrics_allowlist(ctx, ["127.0.0.1"])
        assert h.get(f"{base}/metrics").status_code == 200  # allowlisted, no credentials
        set_metrics_allowlist(ctx, [])
        assert h.get(f"{base}/metrics").status_code == 401

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = b.new_context(ignore_https_errors=True).new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "oper")
            page.fill("input[name=password]", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{base}/monitoring")
            assert page.locator("h2", has_text="Certificate Monitor").is_visible()
            page.fill("input[name=email_ids]", "not-an-address")
            page.check("input[name=email_enabled]")
            page.click("form[aria-label='Certificate Monitor'] button[type=submit]")
            err = page.locator("#err-email_ids")
            assert err.is_visible() and "not a valid e-mail address" in err.inner_text()
            page.fill("input[name=email_ids]", "ops@example.com")
            page.click("form[aria-label='Certificate Monitor'] button[type=submit]")
            assert "settings saved" in page.locator(".notice").inner_text()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "monitor-01-certificate-monitor.png"),
                            full_page=True)
            page.click("text=Run expiry scan now")
            assert "in the window" in page.locator(".notice").inner_text()
            assert page.url.endswith("/monitoring")  # the tab it was started from
            page.goto(f"{base}/monitoring/revocation")
            page.screenshot(path=str(SHOTS / "monitor-02-revocation.png"), full_page=True)
            page.goto(f"{base}/monitoring/alarms")
            assert page.locator("#alarms .badge", has_text="Warning").is_visible()
            page.screenshot(path=str(SHOTS / "monitor-03-alarms.png"), full_page=True)
            page.click("#alarms button:has-text('Clear')")
            assert "cleared" in page.locator(".notice").inner_text()
        finally:
            b.close()
    ctx.engine.dispose()
