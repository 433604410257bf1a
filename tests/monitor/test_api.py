"""The monitor over REST (/api/v1/monitor/*, /api/v1/alarms, /api/v1/alert-actions) and
/metrics, in-process on both backends, with a real SMTP server and a real `openssl ocsp`
responder on loopback."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_pem_x509_csr
from fastapi.testclient import TestClient

from certyard import alarms, monitor, store
from certyard.alarms import raise_alarm
from tests.api.helpers import make_harness
from tests.monitor.ocsp_pki import OpenSSLResponder, index_line, make_cert
from tests.monitor.smtp_server import LoopbackSmtp
from tests.monitor.test_revocation import Pki
from tests.support.ports import free_port

ADMIN = "System Administrator"
VIEWER = "Read-only"


def test_monitor_settings_get_set_and_bad_input(ctx):
    h = make_harness(ctx)
    c, admin = h.client, h.as_role(ADMIN)
    r = c.get("/api/v1/monitor/settings", headers=h.as_role(VIEWER))
    assert r.status_code == 200 and r.json()["notification_start_days"] == 30
    r = c.put("/api/v1/monitor/settings", headers=admin, json={
        "notification_start_days": 45, "notification_frequency": 12,
        "notification_frequency_unit": "hours", "email_enabled": True,
        "email_ids": ["ops@example.com", "pki@example.com"]})
    assert r.status_code == 200, r.text
    assert r.json()["email_ids"] == ["ops@example.com", "pki@example.com"]
    before = c.get("/api/v1/monitor/settings", headers=admin).json()
    for body, field in [({"email_ids": ["not-an-address"]}, "email_ids"),
                        ({"notification_start_days": 0}, None),
                        ({"notification_frequency_unit": "weeks"}, None),
                        ({"email_enabled": True, "email_ids": []}, "email_ids")]:
        r = c.put("/api/v1/monitor/settings", headers=admin, json=body)
        assert r.status_code == 422, (body, r.text)
        if field:
            assert r.json()["error"]["field"] == field
    assert c.get("/api/v1/monitor/settings", headers=admin).json() == before
    r = c.put("/api/v1/monitor/settings", headers=h.as_role(VIEWER),
              json={"notification_start_days": 5})
    assert r.status_code == 403


def test_smtp_password_never_returned_and_test_mail(ctx):
    h = make_harness(ctx)
    c, admin = h.client, h.as_role(ADMIN)
    smtp = LoopbackSmtp().start()
    try:
        r = c.put("/api/v1/monitor/smtp", headers=admin, json={
            "host": "127.0.0.1", "port": smtp.port, "security": "none",
            "username": "", "password": "s3cret-pass", "sender": "certyard@example.com"})
        assert r.status_code == 200, r.text
        assert "s3cret-pass" not in r.text and r.json()["password_set"] is True
        got = c.get("/api/v1/monitor/smtp", headers=h.as_role(VIEWER))
        assert "password" not in got.json() and "s3cret" not in got.text
        assert "password_sealed" not in got.json()
        r = c.post("/api/v1/monitor/smtp/test", headers=admin, json={"to": ["ops@example.com"]})
        assert r.status_code == 200, r.text
        assert len(smtp.inbox) == 1 and smtp.inbox[0]["Subject"] == "[certyard] test mail"
        r = c.post("/api/v1/monitor/smtp/test", headers=admin, json={"to": ["bad address"]})
        assert r.status_code == 422
    finally:
        smtp.stop()
    r = c.post("/api/v1/monitor/smtp/test", headers=admin, json={"to": ["ops@example.com"]})
    assert r.status_code == 502 and "SMTP 127.0.0.1" in r.json()["error"]["message"]
    r = c.put("/api/v1/monitor/smtp", headers=admin, json={"security": "ssl3"})
    assert r.status_code == 422


def test_alarms_list_filter_clear(ctx):
    h = make_harness(ctx)
    c, admin = h.client, h.as_role(ADMIN)
    with ctx.transaction() as s:
        a = raise_alarm(s, ctx, name="CertificateExpired", object="store:1",
                        message="expired").alarm
        raise_alarm(s, ctx, name="RevocationCheckFailed", object="store:2", message="timeout")
    rows = c.get("/api/v1/alarms", headers=h.as_role(VIEWER)).json()
    assert {r["name"] for r in rows} == {"CertificateExpired", "RevocationCheckFailed"}
    only = c.get("/api/v1/alarms?name=CertificateExpired", headers=admin).json()
    assert [r["object"] for r in only] == ["store:1"] and only[0]["severity"] == "Critical"
    assert c.get("/api/v1/alarms?severity=Error", headers=admin).json()[0]["object"] == "store:2"
    assert c.post(f"/api/v1/alarms/{a.id}/clear", headers=h.as_role(VIEWER)).status_code == 403
    r = c.post(f"/api/v1/alarms/{a.id}/clear", headers=admin)
    assert r.status_code == 200 and r.json()["cleared"] is True
    active = c.get("/api/v1/alarms?active=true", headers=admin).json()
    assert [r["name"] for r in active] == ["RevocationCheckFailed"]
    assert c.get("/api/v1/alarms/999", headers=admin).status_code == 404
    assert c.post("/api/v1/alarms/999/clear", headers=admin).status_code == 404


def test_alert_actions(ctx):
    h = make_harness(ctx)
    c, admin = h.client, h.as_role(ADMIN)
    r = c.put("/api/v1/alert-actions/PkiTeam", headers=admin, json={
        "recipients": ["pki@example.com"], "enabled": True, "alarm": "CertificateRevoked"})
    assert r.status_code == 200, r.text
    got = c.get("/api/v1/alert-actions", headers=h.as_role(VIEWER)).json()
    assert got["actions"]["PkiTeam"] == {"enabled": True, "recipients": ["pki@example.com"]}
    assert got["alarms"] == {"CertificateRevoked": "PkiTeam"}
    r = c.put("/api/v1/alert-actions/PkiTeam", headers=admin, json={"recipients": ["x@"]})
    assert r.status_code == 422
    r = c.put("/api/v1/alert-actions/bad%20name", headers=admin, json={"enabled": True})
    assert r.status_code == 422
    assert c.get("/api/v1/alert-actions", headers=admin).json() == got


def test_expiry_scan_and_outbox_via_api(ctx):
    h = make_harness(ctx)
    c, admin = h.client, h.as_role(ADMIN)
    store.generate_self_signed(ctx, "tomcat", node="pub")
    c.put("/api/v1/monitor/settings", headers=admin, json={
        "notification_start_days": 3650, "email_enabled": True, "email_ids": ["ops@example.com"]})
    r = c.post("/api/v1/monitor/expiry/scan", headers=admin)
    assert r.status_code == 200 and r.json()["in_window"] >= 1 and r.json()["notices"] >= 1
    assert c.post("/api/v1/monitor/expiry/scan", headers=h.as_role(VIEWER)).status_code == 403
    again = c.post("/api/v1/monitor/expiry/scan", headers=admin).json()
    assert again["notices"] == 0  # once per period
    box = c.get("/api/v1/monitor/outbox?status=pending", headers=admin).json()
    assert box and "tomcat" in box[0]["subject"] + str(box)


def _leaf(ctx, pki: Pki, url: str):  # type: ignore[no-untyped-def]
    csr = load_pem_x509_csr(store.generate_csr(ctx, "tomcat", node="pub").pem.encode())
    leaf, _ = make_cert("pub.example.com", issuer=pki.root, issuer_key=pki.root_key,
                        public_key=csr.public_key(), ocsp_url=url)
    return leaf


def test_revocation_settings_upload_triggers_check(ctx, tmp_path):
    """Settings over the API, then an upload through the API is checked at once against a
    real `openssl ocsp` responder; run-now and the statuses list agree."""
    h = make_harness(ctx)
    c, admin = h.client, h.as_role(ADMIN)
    pki = Pki(tmp_path)
    r = c.post("/api/v1/trust-stores/tomcat-trust/certificates", headers=admin,
               json={"data": pki.root_pem.read_text()})
    assert r.status_code == 201, r.text
    r = c.put("/api/v1/monitor/revocation", headers=admin, json={
        "ocsp_enabled": True, "ocsp_uri_source": "certificate",
        "revocation_check_enabled": True, "check_every": 6, "check_every_unit": "hours",
        "timeout_seconds": 3, "allowed_destinations": ["127.0.0.1/32"]})
    assert r.status_code == 200 and r.json()["check_every"] == 6, r.text
    r = c.put("/api/v1/monitor/revocation", headers=admin,
              json={"ocsp_uri_source": "configured", "ocsp_configured_uri": "ftp://x"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "ocsp_configured_uri"
    port = free_port()
    leaf = _leaf(ctx, pki, f"http://127.0.0.1:{port}/")
    sub = tmp_path / "resp"
    sub.mkdir()
    resp = OpenSSLResponder(sub, ca=pki.root_pem, signer=pki.delegated,
                            index=index_line(leaf), port=port)
    try:
        r = c.post("/api/v1/certificates/upload", headers=admin, json={
            "purpose": "tomcat", "node": "pub",
            "data": leaf.public_bytes(serialization.Encoding.PEM).decode()})
        assert r.status_code == 201, r.text
        eid = r.json()["added"][0]["id"]
        st = c.get(f"/api/v1/monitor/revocation/statuses/{eid}", headers=admin).json()
        assert st["status"] == "good" and st["source"] == "ocsp", st
        r = c.post("/api/v1/monitor/revocation/check", headers=admin, json={})
        assert r.status_code == 200 and r.json()["good"] == 1, r.text
    finally:
        resp.stop()
    # The responder is gone: an upload-time check would now fail, yet uploads still work.
    r = c.post("/api/v1/monitor/revocation/check", headers=admin,
               json={"entry_ids": [eid]})
    assert r.json()["error"] == 1
    rows = c.get("/api/v1/monitor/revocation/statuses", headers=h.as_role(VIEWER)).json()
    assert [x["status"] for x in rows] == ["error"]
    assert alarms.list_alarms(ctx, name="RevocationCheckFailed")


def test_upload_survives_a_failing_check(ctx, tmp_path):
    h = make_harness(ctx)
    c, admin = h.client, h.as_role(ADMIN)
    pki = Pki(tmp_path)
    store.upload_trust_certificates(ctx, "tomcat-trust", pki.root_pem.read_bytes())
    monitor.update_revocation_settings(ctx, ocsp_enabled=True, revocation_check_enabled=True,
                                       timeout_seconds=1,
                                       allowed_destinations=("127.0.0.1/32",))
    leaf = _leaf(ctx, pki, f"http://127.0.0.1:{free_port()}/")  # nobody listens
    r = c.post("/api/v1/certificates/upload", headers=admin, json={
        "purpose": "tomcat", "node": "pub",
        "data": leaf.public_bytes(serialization.Encoding.PEM).decode()})
    assert r.status_code == 201, r.text
    eid = r.json()["added"][0]["id"]
    assert monitor.revocation_status_of(ctx, eid).status == "error"


def test_metrics_needs_token_or_allowlist(ctx):
    h = make_harness(ctx)
    c = h.client
    store.generate_self_signed(ctx, "tomcat", node="pub")
    r = c.get("/metrics")
    assert r.status_code == 401 and "certyard_" not in r.text
    assert c.get("/metrics", headers=h.as_role("Audit Administrator")).status_code == 403
    r = c.get("/metrics", headers=h.as_role(VIEWER))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE certyard_certificate_not_after_timestamp_seconds gauge" in r.text
    assert 'purpose="tomcat"' in r.text and 'node="pub"' in r.text
    # The test client's address is "testclient": not an IP, never allowlisted by address.
    r = c.put("/api/v1/monitor/metrics-allowlist", headers=h.as_role(ADMIN),
              json={"networks": ["10.0.0.0/8", "192.0.2.7"]})
    assert r.json() == {"networks": ["10.0.0.0/8", "192.0.2.7/32"]}
    assert c.get("/metrics").status_code == 401
    scraper = TestClient(c.app, base_url="https://testserver", client=("192.0.2.7", 41000))
    r = scraper.get("/metrics")
    assert r.status_code == 200 and "certyard_alarms" in r.text
    other = TestClient(c.app, base_url="https://testserver", client=("192.0.2.8", 41000))
    assert other.get("/metrics").status_code == 401
    r = c.put("/api/v1/monitor/metrics-allowlist", headers=h.as_role(ADMIN),
              json={"networks": ["not-a-net"]})
    assert r.status_code == 422
    assert c.get("/api/v1/monitor/metrics-allowlist",
                 headers=h.as_role(VIEWER)).json()["networks"] == ["10.0.0.0/8", "192.0.2.7/32"]


def _unanswered_leaf(ctx, tmp_path):  # type: ignore[no-untyped-def]
    """Trust root stored, checking enabled, a leaf whose OCSP URL has no listener."""
    pki = Pki(tmp_path)
    store.upload_trust_certificates(ctx, "tomcat-trust", pki.root_pem.read_bytes())
    monitor.update_revocation_settings(ctx, ocsp_enabled=True, revocation_check_enabled=True,
                                       timeout_seconds=1,
                                       allowed_destinations=("127.0.0.1/32",))
    return _leaf(ctx, pki, f"http://127.0.0.1:{free_port()}/")


def test_web_upload_runs_the_check(ctx, tmp_path):
    from tests.api.helpers import sign_in

    h = make_harness(ctx)
    csrf = sign_in(h.client, "sysadm")
    leaf = _unanswered_leaf(ctx, tmp_path)
    r = h.client.post("/certificates/upload", data={"csrf_token": csrf, "purpose": "tomcat",
                                                    "node": "pub"},
                      files={"file": ("leaf.pem", leaf.public_bytes(serialization.Encoding.PEM))},
                      follow_redirects=False)
    assert r.status_code == 303, r.text
    (st,) = monitor.list_revocation_statuses(ctx)
    assert st.status == "error" and "OCSP" in st.detail


def test_cli_upload_runs_the_check(ctx, cli, tmp_path):
    from certyard.cluster.nodes import init_cluster

    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    leaf = _unanswered_leaf(ctx, tmp_path)
    f = tmp_path / "leaf.pem"
    f.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    r = cli("cert", "upload", "tomcat", str(f), "--node", "pub", "--json")
    assert r.code == 0, r.stderr
    eid = r.json()["added"][0]["id"]
    assert monitor.revocation_status_of(ctx, eid).status == "error"
