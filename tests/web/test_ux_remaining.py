"""The last items of issue 15 in-process (the browser journey is in
test_e2e_ux.py): a CSR's page sends it to the built-in CA; the issue form offers only the
profiles the request can be issued with and a refused issue stays on /ca/requests/N with
what was typed; the IPsec edit form (errors under their field in the form's words, "any"
prefilled, the pre-shared key never shown); the new-user password hint."""

from __future__ import annotations

import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certyard import ca, cluster, store
from tests.api.helpers import make_harness, sign_in

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


@pytest.fixture
def h(ctx):
    return make_harness(ctx, with_ca=True)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert select, html[:2000]
    return re.findall(r'<option value="([^"]+)"', select.group(1))


def _external_csr(cn: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
           .sign(key, hashes.SHA256()))
    from cryptography.hazmat.primitives.serialization import Encoding

    return csr.public_bytes(Encoding.PEM)


def test_send_csr_from_its_page_to_the_ca_and_issue_with_a_usable_profile(h):
    cluster.add_node(h.ctx, "sub1", fqdn="sub1.example.com")
    csrf = sign_in(h.client, "sysadm")
    r = h.client.post("/certificates/generate-csr", data={
        "csrf_token": csrf, "purpose": "ipsec", "node": "sub1", "distribution": "single"})
    assert r.status_code == 200
    entry = store.find_entries(h.ctx, type="csr", purpose="ipsec").items[0]
    assert f'action="/certificates/{entry.id}/send-to-ca"' in r.text  # on the CSR's page
    r = h.client.post(f"/certificates/{entry.id}/send-to-ca", data={"csrf_token": csrf})
    assert r.status_code == 200
    req = ca.list_requests(h.ctx, state="pending")[0]
    assert (req.purpose, req.node) == ("ipsec", "sub1")
    assert str(r.url).endswith(f"/ca/requests/{req.id}")
    assert f"request {req.id} is pending" in _text(r.text)
    # A node's request: no sub-CA or OCSP-signer profile; only what its CSR's EKU allows.
    offered = _options(r.text, "profile")
    assert offered and "sub-ca" not in offered and "ocsp" not in offered
    usable = [p.name for p in ca.usable_profiles(h.ctx, req.id)[0]]
    assert offered == usable
    # Sending the same CSR again is refused on the CSR's page, in words, changing nothing.
    again = h.client.post(f"/certificates/{entry.id}/send-to-ca", data={"csrf_token": csrf})
    assert again.status_code == 409 and 'id="page-error"' in again.text
    assert len(ca.list_requests(h.ctx, state="pending")) == 1
    # A refused issue is shown on /ca/requests/N itself, with the typed values kept.
    r = h.client.post(f"/ca/requests/{req.id}", data={
        "csrf_token": csrf, "action": "issue", "profile": offered[-1], "days": "99999"})
    assert r.status_code == 422
    assert str(r.url).endswith(f"/ca/requests/{req.id}")
    assert 'id="err-days"' in r.text and 'value="99999"' in r.text
    assert re.search(rf'<option value="{offered[-1]}" selected>', r.text)
    # A profile the request cannot use (posted by hand) is refused before anything is signed.
    r = h.client.post(f"/ca/requests/{req.id}", data={
        "csrf_token": csrf, "action": "issue", "profile": "sub-ca", "days": "30"})
    assert r.status_code == 422 and 'id="err-profile"' in r.text
    assert ca.show_request(h.ctx, req.id).state == "pending"
    # Deny from the same page: an empty reason is refused there too.
    r = h.client.post(f"/ca/requests/{req.id}", data={
        "csrf_token": csrf, "action": "deny", "reason": " "})
    assert r.status_code == 422 and 'id="err-reason"' in r.text
    r = h.client.post(f"/ca/requests/{req.id}", data={
        "csrf_token": csrf, "action": "issue", "profile": offered[0], "days": "30"})
    assert r.status_code == 200, _text(r.text)[:400]
    done = ca.show_request(h.ctx, req.id)
    assert done.state == "issued" and done.serial
    assert any(e.node == "sub1" for e in store.find_entries(
        h.ctx, type="identity", purpose="ipsec").items
               if e.serial == done.serial)


def test_external_request_keeps_the_profile_it_asked_for(h):
    csrf = sign_in(h.client, "sysadm")
    sub = ca.submit_request(h.ctx, _external_csr("Team Sub CA"), profile="sub-ca")
    # A sub-CA request is issued as asked or not at all, and only on the CA host: the page
    # says so instead of offering a leaf profile in its place.
    page = h.client.get(f"/ca/requests/{sub.id}")
    assert 'id="no-profile"' in page.text and "host administrator" in page.text
    assert 'id="issue-form"' not in page.text
    assert [p.name for p in ca.usable_profiles(h.ctx, sub.id)[0]] == ["sub-ca"]  # host
    r = h.client.post(f"/ca/requests/{sub.id}", data={
        "csrf_token": csrf, "action": "issue", "profile": "client", "days": "30"})
    assert r.status_code == 422 and ca.show_request(h.ctx, sub.id).state == "pending"
    leaf = ca.submit_request(h.ctx, _external_csr("client.example.com"), profile="client")
    offered = _options(h.client.get(f"/ca/requests/{leaf.id}").text, "profile")
    assert offered[0] == "client" and "sub-ca" not in offered and "ocsp" not in offered
    r = h.client.post(f"/ca/requests/{leaf.id}", data={
        "csrf_token": csrf, "action": "issue", "profile": "sub-ca", "days": "30"})
    assert r.status_code == 422 and ca.show_request(h.ctx, leaf.id).state == "pending"


IPSEC = {"group_name": "g1", "name": "p1", "auth_method": "pre-shared-key",
         "preshared_key": "Secret-Key-123", "peer_type": "same",
         "destination_address": "10.0.0.2", "destination_port": "any",
         "source_address": "10.0.0.1", "source_port": "any", "mode": "transport",
         "remote_port": "500", "protocol": "Any", "encryption_algorithm": "AES-256-CBC",
         "hash_algorithm": "SHA256", "esp_algorithm": "AES-256-GCM",
         "phase1_lifetime": "28800", "phase1_dh": "14", "phase2_lifetime": "3600",
         "phase2_dh": "14", "enabled": "true"}


def _field_error(html: str, name: str) -> str:
    m = re.search(rf'id="err-{name}">([^<]+)<', html)
    return m.group(1) if m else ""


def test_ipsec_edit_form_speaks_the_forms_words(h):
    csrf = sign_in(h.client, "sysadm")
    assert h.client.post("/ipsec", data={"csrf_token": csrf, **IPSEC}).status_code == 200
    page = h.client.get("/ipsec/p1/edit")
    # Ports stored as "any" are shown as any; the stored key is never in the page.
    assert re.search(r'name="destination_port" value="any"', page.text)
    assert re.search(r'name="source_port" value="any"', page.text)
    assert "Secret-Key-123" not in page.text
    assert "Enter the pre-shared key again to change it" in page.text
    assert re.search(r'<input type="password" name="preshared_key"(?![^>]*value=)', page.text)
    # A wrong value: its message sits under its own box, in the label's words, and the
    # typed values stay; nothing is saved.
    r = h.client.post("/ipsec/p1/edit", data={
        "csrf_token": csrf, **IPSEC, "preshared_key": "", "destination_port": "http",
        "protocol": "TCP", "phase1_lifetime": "28800"})
    assert r.status_code == 422
    assert _field_error(r.text, "destination_port").startswith("Destination Port must be")
    assert 'value="http"' in r.text and "<option selected>TCP</option>" in r.text
    r = h.client.post("/ipsec/p1/edit", data={
        "csrf_token": csrf, **IPSEC, "preshared_key": "", "phase2_lifetime": "90000"})
    assert r.status_code == 422
    assert _field_error(r.text, "phase2_lifetime").startswith("Phase Two Life Time (s) must be")
    assert 'value="90000"' in r.text
    r = h.client.post("/ipsec/p1/edit", data={
        "csrf_token": csrf, **IPSEC, "preshared_key": "", "destination_address": "10.0.0.1"})
    assert _field_error(r.text, "destination_address") == \
        "Destination Address: source and destination address are the same"
    # Several empty required boxes: each says so under itself.
    r = h.client.post("/ipsec/p1/edit", data={
        "csrf_token": csrf, **IPSEC, "group_name": "", "source_address": " "})
    assert _field_error(r.text, "group_name") == "Policy Group Name is required"
    assert _field_error(r.text, "source_address") == "Source Address is required"
    # A bad new key: its message under the key box, the key itself not echoed back.
    r = h.client.post("/ipsec/p1/edit", data={
        "csrf_token": csrf, **IPSEC, "preshared_key": "short key!"})
    assert _field_error(r.text, "preshared_key").startswith("Preshared Key may contain only")
    assert "short key!" not in r.text
    from certyard.web.pages_ipsec import LABELS

    shown = " ".join(re.findall(r'class="(?:field|form)-error"[^>]*>([^<]+)<', r.text))
    assert shown and not [k for k in LABELS if "_" in k and k in shown]  # no internal names
    from certyard import ipsec

    spec = ipsec.get_policy(h.ctx, "p1").spec
    assert (spec.destination_port, spec.group_name) == (None, "g1")  # nothing saved
    # A refused add says the key must be typed again (it is never kept).
    r = h.client.post("/ipsec", data={"csrf_token": csrf, **IPSEC, "name": "p2",
                                      "remote_port": "0"})
    assert r.status_code == 422 and _field_error(r.text, "remote_port")
    assert "enter the pre-shared key again" in r.text and "Secret-Key-123" not in r.text


def test_new_user_hint_states_only_the_rules_that_apply(h):
    from certyard import accounts, backup, policy
    from certyard.db.models import Setting

    sign_in(h.client, "sysadm")

    def hint() -> str:
        page = h.client.get("/accounts?tab=users")
        m = re.search(r'id="pw-rules">([^<]+)<', page.text)
        assert m, page.text[:500]
        return m.group(1)

    text = hint()
    assert "8 to 127 characters" in text and "three of" in text and "user name" in text
    # Rules about an earlier password, its age or expiry do not apply to a first one.
    for absent in ("last", "changed from", "expires", "once every", "Enhanced"):
        assert absent not in text, (absent, text)
    # Required classes and the trivial check both apply: both are stated.
    accounts.set_auth_rules(h.ctx, require_classes=["digit"], min_length=10)
    text = hint()
    assert "10 to 127" in text and "at least a digit" in text and "three of" in text
    accounts.set_auth_rules(h.ctx, check_trivial=False)
    text = hint()
    assert "three of" not in text and "user name" not in text
    # Enhanced Security Mode: its rules, and which mode sets them.
    accounts.set_auth_rules(h.ctx, check_trivial=True)
    backup.set_security_password(h.ctx, "Fourteen-chars-pw-9")
    with h.ctx.transaction() as s:
        s.add(Setting(name="syslog", value={"host": "127.0.0.1", "enabled": True},
                      updated_at=h.ctx.clock.now()))
    policy.enable_fips(h.ctx)
    policy.enable_enhanced(h.ctx)
    text = hint()
    assert "14 to 127" in text and "a special character" in text
    assert "three of" not in text  # four required classes say more
    assert "set by Enhanced Security Mode" in text
    assert "last 24" not in text
    # The rules the hint states are the ones enforced: a password meeting them is taken.
    accounts.check_new_password("Abcdefgh12345#x", user_name="dave",
                                rules=accounts.get_auth_rules(h.ctx))
