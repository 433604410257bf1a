"""Issue 15's journeys in real headless Chromium against one ``certyard serve`` (one
server and one browser for the module): the CSR lands on the node chosen in the form; typed
values survive errors (add user, SFTP); a Settings change of the CA base URL reaches a newly
issued certificate's CDP/AIA (and that URL answers); the own-certificate warning before
issuing and the alarm after revoking; the revoked state in list and detail. Then every page
is photographed at 1366 and 800 px into test-output/screenshots/, and at 800 px every menu
entry and the role label are on screen and no page scrolls sideways; the audit table's
Outcome and Detail columns stay inside its box; changing the Purpose on Generate CSR keeps
what was typed."""

from __future__ import annotations

import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from certyard import accounts, ca, cluster, store
from certyard.config import Settings
from certyard.context import open_context
from tests.conftest import MASTER_KEY
from tests.support.peers import requires_peer
from tests.web.server import Served, start_serve, stop_serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).parents[2] / "test-output" / "screenshots"
USER, PASSWORD = "webadm", "Journey-Pass-42x"

pytestmark = [pytest.mark.slow,
              requires_peer(Path(CHROMIUM).exists(), "Chromium",
                            install="apt-get install chromium")]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           sqlite_template: Path) -> Iterator[tuple[Served, Any]]:
    home = tmp_path_factory.mktemp("webhome")
    shutil.copy(sqlite_template, home / "certyard.db")
    env = {"CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY,
           "CERTYARD_DATABASE_URL": f"sqlite:///{home / 'certyard.db'}"}
    s = start_serve(env, home / "serve.log")
    ctx = open_context(Settings.from_env(env))
    try:
        accounts.create_user(ctx, USER, role="System Administrator", password=PASSWORD,
                             must_change_password=False)
        cluster.add_node(ctx, "sub1", fqdn="sub1.example.com")
        yield s, ctx
    finally:
        stop_serve(s)
        ctx.engine.dispose()


@pytest.fixture(scope="module")
def page(served: tuple[Served, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    s, _ctx = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            pg = browser.new_context(ignore_https_errors=True, accept_downloads=True,
                                     viewport={"width": 1366, "height": 900}).new_page()
            pg.on("dialog", lambda d: d.accept())  # the confirmations: say yes, after
            pg.goto(f"{s.url}/login")                # each test asserts they were shown
            pg.fill("input[name=username]", USER)
            pg.fill("input[name=password]", PASSWORD)
            pg.click("main button[type=submit]")
            pg.wait_for_url(s.url + "/")
            yield pg
        finally:
            browser.close()


def _shot(pg: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_csr_is_made_for_the_node_chosen_in_the_form(served, page):
    s, ctx = served
    page.goto(f"{s.url}/certificates/generate-csr?purpose=ipsec")
    page.select_option("#node-select", "sub1")  # no "Choose" button to press
    page.click("#generate-form button.primary")
    page.wait_for_url("**/certificates/*")
    assert "for sub1" in page.locator(".notice").inner_text()
    assert [c.node for c in store.find_entries(ctx, type="csr", purpose="ipsec").items] == \
        ["sub1"]


def test_changing_purpose_keeps_typed_csr_fields(served, page):
    s, _ctx = served
    page.goto(f"{s.url}/certificates/generate-csr?purpose=tomcat")
    page.fill("#generate-form input[name=common_name]", "www.example.com")
    page.fill("#generate-form textarea[name=sans]", "a.example.com\nb.example.com")
    with page.expect_navigation():
        page.select_option("#purpose-select", "ipsec")
    assert page.locator("#generate-form input[name=purpose]").input_value() == "ipsec"
    assert page.input_value("#generate-form input[name=common_name]") == "www.example.com"
    assert page.input_value("textarea[name=sans]") == "a.example.com\nb.example.com"


def test_typed_values_survive_errors(served, page):
    s, _ctx = served
    page.goto(f"{s.url}/accounts")
    form = page.locator("form[action='/accounts/users']")
    assert form.locator("select[name=role]").input_value() == "Read-only"
    form.locator("input[name=name]").fill("carol")
    form.locator("select[name=role]").select_option("Audit Administrator")
    form.locator("input[name=password]").fill("aaaa")
    form.locator("button[type=submit]").click()
    form = page.locator("form[action='/accounts/users']")
    assert form.locator("input[name=name]").input_value() == "carol"
    assert form.locator("select[name=role]").input_value() == "Audit Administrator"
    error = page.locator("#err-password").inner_text()
    assert "at least 8 characters" in error and "three of" in error
    _shot(page, "journey-add-user-error")
    page.goto(f"{s.url}/bulk")
    typed = {"host": "sftp.example.com", "port": "2222", "user_id": "alice",
             "directory": "/exports", "host_key_fingerprint": "SHA256:not-a-fingerprint"}
    for name, value in typed.items():
        page.fill(f"input[name={name}]", value)
    page.click("form[action='/bulk/sftp'] button.primary")
    assert page.locator(".field-error").count() >= 1
    for name, value in typed.items():
        assert page.locator(f"input[name={name}]").input_value() == value, name
    _shot(page, "journey-sftp-error")


def test_settings_reach_issued_certificates_and_own_certificate_is_guarded(served, page):
    s, ctx = served
    base_url = f"http://127.0.0.1:{s.http_port}"
    page.goto(f"{s.url}/settings")
    page.fill("input[name=base_url]", base_url)
    page.fill("textarea[name=names]", "127.0.0.1")
    page.fill("input[name=http_port]", str(s.http_port))
    page.fill("input[name=https_port]", str(s.https_port))
    page.click("#settings-form button.primary")
    assert "Settings saved" in page.locator(".notice").inner_text()
    assert page.locator("p.warn").count() == 0  # the URLs reach this server's listener
    # A multi-server tomcat CSR made on sub1 would replace this server's own certificate.
    page.goto(f"{s.url}/certificates/generate-csr?purpose=tomcat")
    page.select_option("#node-select", "sub1")
    page.select_option("select[name=distribution]", "multi-server")
    page.fill("#generate-form input[name=common_name]", "www.example.com")
    page.click("#generate-form button.primary")
    page.wait_for_url("**/certificates/*")
    page.goto(f"{s.url}/certificates/download-csr")
    page.locator("tr", has_text="www.example.com").filter(has_text="sub1").locator(
        "button:has-text('Send to built-in CA')").click()
    page.wait_for_url("**/ca/requests/*")
    warning = page.locator("#served-change")
    assert warning.is_visible() and "this server" in warning.inner_text()  # said before
    assert "www.example.com" in page.content() and "sub1" in page.content()
    _shot(page, "journey-own-certificate-warning")
    page.select_option("select[name=profile]", "server-client")
    page.fill("input[name=days]", "120")
    page.click("#issue-form button.primary")  # refused: the box is not ticked
    assert "tick the box" in page.locator("#err-accept_served_change").inner_text()
    page.check("input[name=accept_served_change]")
    page.click("#issue-form button.primary")
    page.wait_for_url("**/ca/certificates/*")
    assert "now serves" in page.locator(".notice").inner_text()  # and said after
    serial = page.url.rsplit("/", 1)[1]
    cert = x509.load_pem_x509_certificate(page.locator("#pem").inner_text().encode())
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    crl_url = cdp[0].full_name[0].value
    assert crl_url.startswith(base_url + "/")
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert all(a.access_location.value.startswith(base_url + "/") for a in aia)
    with urllib.request.urlopen(crl_url, timeout=30) as r:  # the embedded URL answers
        x509.load_der_x509_crl(r.read())
    # Revoke it from its page: the alarm rises, and list and detail say Revoked.
    page.select_option("select[name=reason]", "keyCompromise")
    page.click("button:has-text('Revoke')")
    notice = page.locator(".notice").inner_text()
    assert "Revoked" in notice and "an alarm is raised" in notice
    assert "Revoked" in page.locator("#ca-status").inner_text()
    page.goto(f"{s.url}/certificates?purpose=tomcat&type=identity&find=www.example.com")
    rows = page.locator("#certificate-list tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        assert "REVOKED" in rows.nth(i).locator("td.revocation").inner_text().upper()
    rows.first.locator("a").first.click()
    page.wait_for_url("**/certificates/*")
    assert page.locator("#revocation-state").inner_text().startswith("Revoked since")
    page.goto(f"{s.url}/")
    assert "revoked" in page.locator("#served-alarm").inner_text()
    assert "ServedCertificateRevoked" in page.content()
    assert ca.show_issued(ctx, serial).status == "revoked"


PAGES = ["/", "/certificates", "/certificates/generate-csr?purpose=tomcat",
         "/certificates/generate-self-signed", "/certificates/upload",
         "/certificates/download-csr", "/ca?tab=overview", "/ca?tab=pending",
         "/ca?tab=issued", "/ca?tab=revoked", "/ca?tab=denied", "/ca?tab=downloads",
         "/nodes", "/nodes/sub1", "/nodes/agents", "/nodes/connections", "/monitoring",
         "/monitoring/smtp", "/monitoring/revocation", "/monitoring/alarms",
         "/policy?tab=tls", "/policy?tab=fips", "/policy?tab=enhanced", "/policy?tab=probes",
         "/policy?tab=verify", "/ipsec", "/bulk", "/accounts?tab=users",
         "/accounts?tab=roles", "/accounts?tab=rules", "/accounts?tab=sessions",
         "/accounts?tab=allowlist", "/audit", "/settings", "/doctor", "/account",
         "/account/password"]


def test_every_page_at_1366_and_800_px(served, page):
    s, ctx = served
    entry = store.find_entries(ctx, type="identity", purpose="tomcat").items[0]
    if not ca.list_issued(ctx):  # run without the module's earlier tests: issue one here
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import Encoding

        from certyard.x509 import build_csr

        name = "pages.example.com"
        csr = build_csr(ec.generate_private_key(ec.SECP256R1()), common_name=name,
                        sans=[x509.DNSName(name)], hash_name="SHA256")
        ca.submit_and_issue(ctx, csr.public_bytes(Encoding.PEM))
    issued = ca.list_issued(ctx)[0]
    paths = [*PAGES, f"/certificates/{entry.id}", f"/ca/certificates/{issued.serial}",
             f"/ca/requests/{issued.request_id or 1}"]
    for width in (1366, 800):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            r = page.goto(f"{s.url}{path}")
            assert r is not None and r.status == 200, path
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "dashboard"
            _shot(page, f"{width}-{name}")
            if width == 800:
                header = page.locator("header.top").bounding_box()
                assert header is not None and header["height"] < 160, path  # 2-3 rows
                # The whole menu is on screen (wrapped, not hidden in a sideways scroll)
                # and the role label stays.
                hidden = page.evaluate("""() => [...document.querySelectorAll('nav.main a')]
                    .filter(a => a.getBoundingClientRect().right > innerWidth + 1)
                    .map(a => a.textContent.trim())""")
                assert hidden == [], (path, hidden)
                assert page.locator(".who .role").is_visible(), path
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= 800, (path, wide)  # wide tables scroll in their box
    page.goto(f"{s.url}/audit")  # long Detail values wrap: Outcome/Detail stay in the box
    cut = page.evaluate("""() => { const t = document.getElementById('audit');
        const box = t.parentElement.getBoundingClientRect();
        return [...t.querySelectorAll('thead th')].filter(
            th => th.getBoundingClientRect().right > box.right + 1).map(th => th.textContent);
    }""")
    assert cut == [], cut
    anon = page.context.browser.new_context(ignore_https_errors=True).new_page()
    for width in (1366, 800):
        anon.set_viewport_size({"width": width, "height": 900})
        anon.goto(f"{s.url}/login")
        _shot(anon, f"{width}-login")
    anon.goto(f"http://127.0.0.1:{s.http_port}/ca/")
    _shot(anon, "1366-public-ca-downloads-http")
    anon.context.close()
