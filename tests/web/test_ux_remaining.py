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
    page = h.client.get(f"/ca/requests/{sub.id}")
    offered = _options(page.text, "profile")
    # The requested CA profile comes first (never silently swapped for a leaf profile);
    # the server profiles need a host name, which "Team Sub CA" is not.
    assert offered[0] == "sub-ca" and "ocsp" not in offered and "server" not in offered
    leaf = ca.submit_request(h.ctx, _external_csr("client.example.com"), profile="client")
    offered = _options(h.client.get(f"/ca/requests/{leaf.id}").text, "profile")
    assert offered[0] == "client" and "sub-ca" not in offered and "ocsp" not in offered
    r = h.client.post(f"/ca/requests/{leaf.id}", data={
        "csrf_token": csrf, "action": "issue", "profile": "sub-ca", "days": "30"})
    assert r.status_code == 422 and ca.show_request(h.ctx, leaf.id).state == "pending"
