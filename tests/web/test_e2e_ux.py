"""The last items of issue 15 in real headless Chromium against one ``certyard serve``: a
CSR sent to the built-in CA from its own page and issued there with a usable profile (a
refused issue stays on /ca/requests/N with what was typed); the IPsec edit form's errors
under their box in the form's words; the new-user password hint. Screenshots of each state
go to test-output/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from certyard import ca, ipsec, store
from tests.support.peers import requires_peer
from tests.web.test_e2e_workflows import CHROMIUM, _shot, page, served  # noqa: F401

pytestmark = [pytest.mark.slow,
              requires_peer(__import__("pathlib").Path(CHROMIUM).exists(), "Chromium",
                            install="apt-get install chromium")]


def test_csr_sent_from_its_page_and_issued_on_the_request_page(served: Any, page: Any) -> None:  # noqa: F811
    s, ctx = served
    page.goto(f"{s.url}/certificates/generate-csr?purpose=ipsec")
    page.select_option("#node-select", "sub1")
    page.click("#generate-form button.primary")
    page.wait_for_url("**/certificates/*")
    page.click("#send-to-ca button")
    page.wait_for_url(re.compile(r".*/ca/requests/\d+$"))
    request_url = page.url
    req_id = int(request_url.rsplit("/", 1)[1])
    assert "is pending" in page.locator(".notice").inner_text()
    req = ca.show_request(ctx, req_id)
    assert (req.state, req.purpose, req.node) == ("pending", "ipsec", "sub1")
    offered = page.locator("#issue-form select[name=profile] option").evaluate_all(
        "os => os.map(o => o.value)")
    assert offered and not {"sub-ca", "ocsp"} & set(offered)
    # A refused issue: the error on the request's own page, the typed values kept.
    page.fill("#issue-form input[name=days]", "99999")
    page.select_option("#issue-form select[name=profile]", offered[-1])
    page.click("#issue-form button.primary")
    page.wait_for_selector("#err-days")
    assert page.url == request_url
    assert page.input_value("#issue-form input[name=days]") == "99999"
    assert page.input_value("#issue-form select[name=profile]") == offered[-1]
    _shot(page, "journey-issue-refused-on-request-page")
    assert ca.show_request(ctx, req_id).state == "pending"
    page.fill("#issue-form input[name=days]", "30")
    page.select_option("#issue-form select[name=profile]", offered[0])
    page.click("#issue-form button.primary")
    page.wait_for_url("**/ca/certificates/*")
    serial = ca.show_request(ctx, req_id).serial
    assert serial and serial in page.url
    assert any(e.node == "sub1" and e.serial == serial
               for e in store.find_entries(ctx, type="identity", purpose="ipsec").items)


def test_ipsec_edit_errors_sit_under_their_box(served: Any, page: Any) -> None:  # noqa: F811
    s, ctx = served
    ipsec.add_policy(ctx, ipsec.IpsecPolicySpec(
        group_name="g1", name="edit-me", preshared_key="Secret-Key-123",
        destination_address="10.0.0.2", source_address="10.0.0.1"))
    page.goto(f"{s.url}/ipsec/edit-me/edit")
    assert page.input_value("#ipsec-form input[name=destination_port]") == "any"
    assert page.input_value("#ipsec-form input[name=source_port]") == "any"
    assert page.input_value("#ipsec-form input[name=preshared_key]") == ""
    assert "Enter the pre-shared key again to change it" in page.inner_text("#psk-hint")
    page.select_option("#ipsec-form select[name=protocol]", "TCP")
    page.fill("#ipsec-form input[name=destination_port]", "http")
    page.click("#ipsec-form button.primary")
    page.wait_for_selector("#err-destination_port")
    # Directly under the Destination Port box, in its label's words.
    follows = page.evaluate(
        "() => document.querySelector('#err-destination_port').previousElementSibling"
        ".querySelector('input').name")
    assert follows == "destination_port"
    assert page.inner_text("#err-destination_port").startswith("Destination Port must be")
    assert page.input_value("#ipsec-form input[name=destination_port]") == "http"
    assert page.input_value("#ipsec-form select[name=protocol]") == "TCP"
    _shot(page, "journey-ipsec-edit-error")
    assert ipsec.get_policy(ctx, "edit-me").spec.protocol == "Any"


def test_new_user_password_hint(served: Any, page: Any) -> None:  # noqa: F811
    s, _ctx = served
    page.goto(f"{s.url}/accounts?tab=users")
    hint = page.inner_text("#pw-rules")
    assert "8 to 127 characters" in hint and "three of" in hint
    assert "last" not in hint and "changed from" not in hint and "expires" not in hint


def test_add_node_shows_every_wrong_value_under_its_box(served: Any, page: Any) -> None:  # noqa: F811
    s, ctx = served
    page.goto(f"{s.url}/nodes")
    form = page.locator("form[action='/nodes']")
    form.locator("input[name=name]").fill("sub9")
    form.locator("input[name=fqdn]").fill("bad fqdn")
    form.locator("input[name=ip]").fill("10.0.0")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#err-ip")
    assert page.inner_text("#err-fqdn").startswith("FQDN 'bad fqdn'")
    assert page.inner_text("#err-ip") == "IP '10.0.0' is not an IP address"
    for name in ("fqdn", "ip"):  # each message directly under its own box
        assert page.evaluate(
            f"() => document.querySelector('#err-{name}').previousElementSibling"
            ".querySelector('input').name") == name
    assert page.input_value("form[action='/nodes'] input[name=fqdn]") == "bad fqdn"
    _shot(page, "journey-add-node-errors")
    from certyard import cluster

    assert "sub9" not in [n.name for n in cluster.list_nodes(ctx)]
