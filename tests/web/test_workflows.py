"""The admin workflows of issue 15 in-process (the browser journeys are in
test_e2e_workflows.py): the CSR lands on the node chosen in the form, typed values survive
errors, every broken password rule at once, one revocation state in list and details, the
CA request/certificate pages, Settings reaching issued certificates, the served-certificate
warning and alarm, the dashboard, HEAD on public routes."""

from __future__ import annotations

import re

import pytest
from cryptography import x509

from certyard import alarms as alarm_log
from certyard import ca, cluster, monitor, store
from tests.api.helpers import make_harness, sign_in


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


@pytest.fixture
def h(ctx):
    return make_harness(ctx, with_ca=True)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_csr_follows_the_node_in_the_form_and_values_survive_errors(h):
    cluster.add_node(h.ctx, "sub1", fqdn="sub1.example.com")
    csrf = sign_in(h.client, "sysadm")
    # The page was opened for the publisher; the node select in the same form says sub1.
    page = h.client.get("/certificates/generate-csr?purpose=ipsec")
    assert 'name="node" id="node-select"' in page.text
    r = h.client.post("/certificates/generate-csr", data={
        "csrf_token": csrf, "purpose": "ipsec", "node": "sub1", "distribution": "single"})
    assert r.status_code == 200, r.text[:400]
    csrs = store.find_entries(h.ctx, type="csr", purpose="ipsec").items
    assert [c.node for c in csrs] == ["sub1"]
    # A refused CSR keeps the typed common name, SANs and hash.
    r = h.client.post("/certificates/generate-csr", data={
        "csrf_token": csrf, "purpose": "tomcat-ECDSA", "node": "sub1",
        "distribution": "bogus", "common_name": "typed.example.com", "sans": "a.example.com",
        "hash": "SHA512", "key_length": "521"})
    assert r.status_code == 422
    assert 'value="typed.example.com"' in r.text and "a.example.com</textarea>" in r.text
    assert "<option selected>SHA512</option>" in r.text
    assert "<option selected>521</option>" in r.text


def test_add_user_defaults_to_least_privilege_and_keeps_input(h):
    csrf = sign_in(h.client, "sysadm")
    page = h.client.get("/accounts")
    assert re.search(r"<option selected>Read-only</option>", page.text)
    r = h.client.post("/accounts/users", data={
        "csrf_token": csrf, "name": "carol", "role": "Audit Administrator",
        "password": "aaaa"})
    assert r.status_code == 422
    assert 'value="carol"' in r.text and "<option selected>Audit Administrator" in r.text
    # Every broken rule at once, and the hint states the rules as enforced.
    error = re.search(r'class="field-error"[^>]*>([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert "at least 8 characters" in error and "three of" in error and "three times" in error
    assert "8 to 127 characters" in r.text  # the rules as enforced (describe_rules)
    # Users can be deleted from the UI.
    r = h.client.post("/accounts/users", data={
        "csrf_token": csrf, "name": "carol", "role": "Read-only", "password": "Sturdy-Pass-77"})
    assert r.status_code == 200 and "Added carol" in r.text
    r = h.client.post("/accounts/users/carol/delete", data={"csrf_token": csrf})
    assert r.status_code == 200 and "Deleted carol" in r.text
    assert "carol" not in [u.name for u in __import__("certyard").accounts.list_users(h.ctx)]


def test_ca_workflow_revocation_state_and_served_certificate(h):
    csrf = sign_in(h.client, "sysadm")
    # Settings: a new CA base URL reaches certificates issued afterwards.
    r = h.client.post("/settings", data={"csrf_token": csrf,
                                         "base_url": "http://pki.example.net:8123",
                                         "names": "pki.example.net", "http_port": "8123",
                                         "https_port": "8443"})
    assert r.status_code == 200 and "Settings saved" in r.text
    assert "Warning" not in _text(r.text).split("Settings saved")[0]
    # A multi-server tomcat CSR: issuing it replaces the certificate this server serves.
    cluster.add_node(h.ctx, "sub1", fqdn="sub1.example.com")
    store.generate_csr(h.ctx, "tomcat", node="sub1", distribution="multi-server",
                       common_name="www.example.com")
    r = h.client.post("/ca/sign-csr", data={"csrf_token": csrf, "purpose": "tomcat",
                                            "node": "sub1"})
    assert r.status_code == 200 and "Request" in r.text
    req = ca.list_requests(h.ctx, state="pending")[0]
    detail = h.client.get(f"/ca/requests/{req.id}")
    assert "www.example.com" in detail.text and "sub1" in detail.text
    assert 'id="served-change"' in detail.text  # said before it happens
    r = h.client.post(f"/ca/requests/{req.id}/issue", data={
        "csrf_token": csrf, "profile": "server-client", "days": "90"})
    assert r.status_code == 422 and "tick the box" in r.text  # not issued without consent
    assert ca.show_request(h.ctx, req.id).state == "pending"
    r = h.client.post(f"/ca/requests/{req.id}/issue", data={
        "csrf_token": csrf, "profile": "server-client", "days": "90",
        "accept_served_change": "yes"})
    assert r.status_code == 200, r.text[:500]
    assert "now serves" in r.text  # and said after
    serial = ca.show_request(h.ctx, req.id).serial
    issued = x509.load_pem_x509_certificate(ca.show_issued(h.ctx, serial).pem.encode())
    cdp = issued.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    aia = issued.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert cdp[0].full_name[0].value.startswith("http://pki.example.net:8123/")
    assert all(a.access_location.value.startswith("http://pki.example.net:8123/")
               for a in aia)
    assert (issued.not_valid_after_utc - issued.not_valid_before_utc).days in (89, 90)
    # Revoke from the certificate page: list, details and the CA agree; the alarm rises.
    r = h.client.post(f"/ca/certificates/{serial}/revoke", data={
        "csrf_token": csrf, "reason": "keyCompromise"})
    assert r.status_code == 200 and "an alarm is raised" in r.text
    alarms = alarm_log.list_alarms(h.ctx, active_only=True, name="ServedCertificateRevoked")
    assert alarms and alarms[0].object.startswith("tomcat on pub")
    lst = h.client.get("/certificates?purpose=tomcat&type=identity&find=www.example.com")
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", lst.text, re.S)
            if "www.example.com" in row]
    assert rows and all("Revoked</span>" in row for row in rows)
    entry = next(e for e in store.find_entries(h.ctx, purpose="tomcat", type="identity",
                                               text="www.example.com").items)
    det = h.client.get(f"/certificates/{entry.id}")
    assert re.search(r'id="revocation-state">Revoked since', det.text)
    assert monitor.revocation_states(h.ctx, [entry.id])[entry.id].status == "revoked"
    home = h.client.get("/")
    assert 'id="served-alarm"' in home.text and "ServedCertificateRevoked" in home.text
    # Lists: serial links, the revoked tab's date, and no "cannot be undone" for a hold.
    revoked = h.client.get("/ca?tab=revoked")
    assert f'href="/ca/certificates/{serial}"' in revoked.text
    assert "Revoked at" in revoked.text and " UTC" in revoked.text
    page = h.client.get(f"/ca/certificates/{serial}")
    assert "BEGIN CERTIFICATE" in page.text and "Download full chain" in page.text
    chain = h.client.get(f"/ca/certificates/{serial}/chain.pem")
    assert chain.text.count("BEGIN CERTIFICATE") >= 2
    overview = h.client.get("/ca?tab=overview")
    assert "CRL number" in overview.text and "http://pki.example.net:8123/ocsp" in overview.text
    downloads = h.client.get("/ca/")  # on HTTPS: the downloads tab, styled
    assert downloads.status_code == 200 and "SHA-512" in downloads.text
    assert 'href="/static/app.css"' in downloads.text
    root = h.client.get("/ca/download/root.pem")
    assert root.status_code == 200 and b"BEGIN CERTIFICATE" in root.content


def test_hold_is_reversible_and_says_so(h):
    store.generate_csr(h.ctx, "ipsec")
    serial = ca.sign_pending(h.ctx, "ipsec", approve=True).serial
    csrf = sign_in(h.client, "sysadm")
    page = h.client.get(f"/ca/certificates/{serial}")
    hold_form = page.text.split('value="certificateHold"')[0].rsplit("<form", 1)[1]
    assert "cannot be undone" not in hold_form
    r = h.client.post(f"/ca/certificates/{serial}/revoke", data={
        "csrf_token": csrf, "reason": "certificateHold"})
    assert "Put on hold" in r.text and "Release from hold" in r.text
    r = h.client.post(f"/ca/certificates/{serial}/release", data={"csrf_token": csrf})
    assert ca.show_issued(h.ctx, serial).status == "good"


def test_settings_warns_when_urls_miss_the_listener(h):
    csrf = sign_in(h.client, "sysadm")
    r = h.client.post("/settings", data={"csrf_token": csrf,
                                         "base_url": "http://elsewhere.example.org:9999",
                                         "names": "pub.example.com", "http_port": "8080",
                                         "https_port": "8443"})
    assert "elsewhere.example.org" in r.text and "port 9999" in r.text
    r = h.client.post("/settings", data={"csrf_token": csrf, "base_url": "ftp://x",
                                         "names": "bad name!", "http_port": "99999",
                                         "https_port": "8443"})
    assert r.status_code == 422
    assert 'value="ftp://x"' in r.text and "bad name!</textarea>" in r.text


def test_dashboard_and_pages_without_placeholders(h):
    sign_in(h.client, "sysadm")
    r = h.client.get("/")
    assert r.status_code == 200 and "Expires next" in r.text and "Waiting for approval" in r.text
    assert "Days left" in r.text and " UTC" in r.text
    for path in ("/settings", "/policy", "/nodes/pub", "/ca?tab=overview"):
        r = h.client.get(path)
        assert r.status_code == 200, path
        assert "appear here" not in r.text
    viewer = make_harness.__globals__["TestClient"](h.client.app, base_url="https://testserver")
    sign_in(viewer, "viewer")
    assert viewer.get("/").status_code == 200
    assert viewer.post("/settings", data={"base_url": "http://x"}).status_code == 403


def test_head_answers_like_get_on_public_routes(ctx):
    from fastapi.testclient import TestClient

    from certyard.server import create_http_app

    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx)
    c = TestClient(create_http_app(ctx, https_port=8443))
    for path in ("/ca/", "/ca/root.pem", "/ca/crl"):
        g = c.get(path, follow_redirects=False)
        hd = c.head(path, follow_redirects=False)
        assert g.status_code == hd.status_code == 200, path
        assert hd.headers["content-type"] == g.headers["content-type"]
    assert "<style>" in c.get("/ca/").text


def test_smaller_pages(h):
    from certyard import ipsec

    csrf = sign_in(h.client, "sysadm")
    # Enhanced Security in words, not raw keys.
    r = h.client.get("/policy?tab=enhanced")
    assert "8 to 127 characters" in r.text and "min_length" not in r.text
    # A refused cipher string stays in its box.
    r = h.client.post("/policy/tls/ciphers", data={"csrf_token": csrf, "interface": "https",
                                                   "string": "NOT-A-CIPHER:@@"})
    assert r.status_code >= 400 and 'value="NOT-A-CIPHER:@@"' in r.text
    # Connections: the client purpose is a choice; audit shows the detail column.
    assert '<select name="client_purpose">' in h.client.get("/nodes/connections").text
    assert "<th>Detail</th>" in h.client.get("/audit").text
    r = h.client.post("/audit/syslog", data={"csrf_token": csrf, "host": "syslog.example.com",
                                             "port": "abc", "protocol": "tcp"})
    assert r.status_code == 422 and 'value="syslog.example.com"' in r.text
    assert 'value="abc"' in r.text and "<option selected>tcp</option>" in r.text
    # Alarms: the alert-action form starts as the stored Default (disabled) is.
    r = h.client.get("/monitoring/alarms")
    assert re.search(r'name="enabled" value="true"\s*>', r.text)
    # The expiry scan returns to its tab with the result.
    r = h.client.post("/monitoring/scan", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.headers["location"] == "/monitoring"
    assert "in the window" in h.client.get("/monitoring").text
    # IPsec: add with a weak choice, refused input keeps non-secret fields, edit, disable.
    base = {"csrf_token": csrf, "group_name": "g1", "name": "p1",
            "auth_method": "pre-shared-key", "preshared_key": "Secret-Key-123",
            "peer_type": "same", "destination_address": "10.0.0.2",
            "destination_port": "any", "source_address": "10.0.0.1", "source_port": "any",
            "mode": "transport", "remote_port": "500", "protocol": "Any",
            "encryption_algorithm": "3DES", "hash_algorithm": "SHA256",
            "esp_algorithm": "AES-256-GCM", "phase1_lifetime": "28800", "phase1_dh": "14",
            "phase2_lifetime": "3600", "phase2_dh": "14", "enabled": "true"}
    r = h.client.post("/ipsec", data={**base, "destination_address": "not an address"})
    assert r.status_code == 422 and 'value="not an address"' in r.text
    assert "Secret-Key-123" not in r.text
    r = h.client.post("/ipsec", data=base)
    assert r.status_code == 200, r.text[:300]
    row = re.search(r"<tr>.*?p1.*?</tr>", r.text, re.S).group(0)  # type: ignore[union-attr]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert "3DES" in cells[9] and "badge" in cells[9]  # the Weak choices column
    assert "badge" not in cells[8]
    r = h.client.get("/ipsec/p1/edit")
    assert 'value="10.0.0.2"' in r.text and "Secret-Key-123" not in r.text
    r = h.client.post("/ipsec/p1/edit", data={**base, "preshared_key": "",
                                              "encryption_algorithm": "AES-256-CBC"})
    assert r.status_code == 200 and "updated" in r.text
    assert ipsec.get_policy(h.ctx, "p1").spec.encryption_algorithm == "AES-256-CBC"
    assert ipsec.get_policy(h.ctx, "p1").has_preshared_key
    r = h.client.post("/ipsec/export", data={"csrf_token": csrf})
    assert r.headers["content-type"] == "application/gzip"
    # Bulk: a refused SFTP setting keeps every typed field.
    r = h.client.post("/bulk/sftp", data={"csrf_token": csrf, "host": "sftp.example.com",
                                          "port": "2222", "user_id": "alice",
                                          "directory": "/exports",
                                          "host_key_fingerprint": "SHA256:nonsense"})
    assert r.status_code >= 400
    for typed in ('value="sftp.example.com"', 'value="2222"', 'value="alice"',
                  'value="/exports"', 'value="SHA256:nonsense"'):
        assert typed in r.text, typed
    assert 'id="fetch-host-key"' in r.text
    # Upload by pasting PEM.
    from certyard import ca as ca_room

    _s, _d, bodies = ca_room.distribution(h.ctx)
    r = h.client.post("/certificates/upload", data={
        "csrf_token": csrf, "purpose": "tomcat-trust",
        "pem": bodies["ca/root.pem"].decode()})
    assert r.status_code == 200 and "Uploaded" in r.text
