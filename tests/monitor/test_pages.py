"""The Monitoring pages in-process on both backends: forms save through the service layer,
bad input comes back next to its field with the store unchanged, read-only users see no
forms, alarms can be filtered and cleared, and the revocation status shows in the
certificate list and details."""

from __future__ import annotations

import datetime as dt
import re

from certyard import alarms, monitor, store
from certyard.alarms import raise_alarm
from certyard.db.models.monitor import RevocationStatus
from tests.api.helpers import make_harness, sign_in
from tests.monitor.smtp_server import LoopbackSmtp


def _signed(ctx, user="sysadm"):  # type: ignore[no-untyped-def]
    h = make_harness(ctx)
    csrf = sign_in(h.client, user)
    return h, h.client, csrf


def _field_error(html: str, field: str) -> str:
    m = re.search(rf'<p class="field-error" role="alert" id="err-{field}">([^<]*)</p>', html)
    assert m, html
    return m.group(1)


def test_certificate_monitor_form(ctx):
    _h, c, csrf = _signed(ctx)
    page = c.get("/monitoring")
    assert page.status_code == 200
    for label in ("Notification Start Time", "Notification Frequency",
                  "Enable E-mail Notification", "Email IDs", "Run expiry scan now"):
        assert label in page.text
    assert "configure an SMTP host" in page.text
    r = c.post("/monitoring", data={"csrf_token": csrf, "notification_start_days": "60",
                                    "notification_frequency": "6",
                                    "notification_frequency_unit": "hours",
                                    "email_enabled": "true",
                                    "email_ids": "ops@example.com, pki@example.com"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/monitoring"
    assert "settings saved" in c.get("/monitoring").text  # the one-time message
    s = monitor.get_monitor_settings(ctx)
    assert (s.notification_start_days, s.notification_frequency_unit, s.email_ids) == (
        60, "hours", ("ops@example.com", "pki@example.com"))
    r = c.post("/monitoring", data={"csrf_token": csrf, "notification_start_days": "60",
                                    "notification_frequency": "6",
                                    "notification_frequency_unit": "hours",
                                    "email_enabled": "true", "email_ids": "ops@, x"})
    assert r.status_code == 422
    assert "not a valid e-mail address" in _field_error(r.text, "email_ids")
    assert 'value="ops@, x"' in r.text  # what was typed is kept
    r = c.post("/monitoring", data={"csrf_token": csrf, "notification_start_days": "abc",
                                    "notification_frequency": "1"})
    assert r.status_code == 422
    assert "whole number" in _field_error(r.text, "notification_start_days")
    r = c.post("/monitoring", data={"csrf_token": csrf, "notification_start_days": "0",
                                    "notification_frequency": "1",
                                    "notification_frequency_unit": "days"})
    assert r.status_code == 422 and "between 1 and 3650" in r.text
    assert monitor.get_monitor_settings(ctx) == s  # unchanged
    # without the CSRF token nothing changes
    r = c.post("/monitoring", data={"notification_start_days": "5",
                                    "notification_frequency": "1"})
    assert r.status_code == 403 and monitor.get_monitor_settings(ctx) == s
    r = c.post("/monitoring/scan", data={"csrf_token": csrf})
    assert r.status_code == 200 and "certificate(s) in the window" in r.text


def test_read_only_sees_no_forms(ctx):
    _h, c, csrf = _signed(ctx, "viewer")
    for path in ("/monitoring", "/monitoring/smtp", "/monitoring/revocation",
                 "/monitoring/alarms"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert ">Save" not in r.text and "Run checks now" not in r.text
    r = c.post("/monitoring", data={"csrf_token": csrf, "notification_start_days": "5",
                                    "notification_frequency": "1"})
    assert r.status_code == 403


def test_auditor_is_refused(ctx):
    _h, c, _ = _signed(ctx, "auditor")
    assert c.get("/monitoring").status_code == 403
    assert "Monitoring" not in c.get("/audit").text.split("<main>")[0]


def test_smtp_form_and_test_mail(ctx):
    _h, c, csrf = _signed(ctx)
    smtp = LoopbackSmtp().start()
    try:
        r = c.post("/monitoring/smtp", data={
            "csrf_token": csrf, "host": "127.0.0.1", "port": str(smtp.port),
            "security": "none", "sender": "certyard@example.com", "username": "",
            "password": "Hidden-Pass-1", "timeout_seconds": "5"}, follow_redirects=True)
        assert r.status_code == 200 and "SMTP settings saved" in r.text
        assert "Hidden-Pass-1" not in r.text and "stored — leave empty to keep" in r.text
        assert monitor.get_smtp_settings(ctx).password_sealed
        r = c.post("/monitoring/smtp/test", data={"csrf_token": csrf,
                                                  "to": "ops@example.com"})
        assert r.status_code == 200 and "Test mail sent to ops@example.com" in r.text
        assert smtp.inbox and smtp.inbox[0]["To"] == "ops@example.com"
        r = c.post("/monitoring/smtp/test", data={"csrf_token": csrf, "to": "nobody"})
        assert r.status_code == 422 and _field_error(r.text, "to")
    finally:
        smtp.stop()
    r = c.post("/monitoring/smtp/test", data={"csrf_token": csrf, "to": "ops@example.com"})
    assert r.status_code == 502 and "SMTP 127.0.0.1" in _field_error(r.text, "test")
    before = monitor.get_smtp_settings(ctx)
    r = c.post("/monitoring/smtp", data={"csrf_token": csrf, "host": "bad host!",
                                         "port": "25", "security": "none",
                                         "sender": "a@example.com", "timeout_seconds": "5"})
    assert r.status_code == 422 and "not valid" in _field_error(r.text, "host")
    assert monitor.get_smtp_settings(ctx) == before
    # an empty password field keeps the stored one for the same server and user; the box
    # removes it, and so does pointing the settings at another server (security review)
    same = {"csrf_token": csrf, "host": before.host, "port": str(before.port),
            "username": before.username, "security": "starttls", "sender": "a@example.com",
            "timeout_seconds": "5"}
    c.post("/monitoring/smtp", data=same)
    assert monitor.get_smtp_settings(ctx).password_sealed == before.password_sealed
    c.post("/monitoring/smtp", data={**same, "port": "2525"})
    assert monitor.get_smtp_settings(ctx).password_sealed == ""
    c.post("/monitoring/smtp", data={**same, "password": "Hidden-Pass-2"})
    assert monitor.get_smtp_settings(ctx).password_sealed
    c.post("/monitoring/smtp", data={"csrf_token": csrf, "host": "127.0.0.1", "port": "25",
                                     "security": "starttls", "sender": "a@example.com",
                                     "timeout_seconds": "5", "clear_password": "true"})
    assert monitor.get_smtp_settings(ctx).password_sealed == ""


def test_revocation_form(ctx):
    _h, c, csrf = _signed(ctx)
    page = c.get("/monitoring/revocation")
    for label in ("Enable OCSP", "Use OCSP URI from Certificate", "Use configured OCSP URI",
                  "OCSP Configured URI", "Enable Revocation Check", "Check Every",
                  "tomcat-trust"):
        assert label in page.text
    r = c.post("/monitoring/revocation", data={
        "csrf_token": csrf, "ocsp_enabled": "true", "ocsp_uri_source": "configured",
        "ocsp_configured_uri": "", "revocation_check_enabled": "true", "check_every": "2",
        "check_every_unit": "days", "timeout_seconds": "5"})
    assert r.status_code == 422
    assert "OCSP Configured URI" in _field_error(r.text, "ocsp_configured_uri")
    assert monitor.get_revocation_settings(ctx).ocsp_enabled is False
    r = c.post("/monitoring/revocation", data={
        "csrf_token": csrf, "ocsp_enabled": "true", "ocsp_uri_source": "configured",
        "ocsp_configured_uri": "http://ocsp.example.com/", "revocation_check_enabled": "true",
        "check_every": "2", "check_every_unit": "days", "timeout_seconds": "5"},
        follow_redirects=False)
    assert r.status_code == 303
    s = monitor.get_revocation_settings(ctx)
    assert (s.ocsp_enabled, s.ocsp_uri_source, s.check_every, s.check_every_unit,
            s.crl_fallback) == (True, "configured", 2, "days", False)
    r = c.post("/monitoring/revocation/check", data={"csrf_token": csrf})
    assert r.status_code == 200 and "0 checked" in r.text


def test_alarms_table_filter_clear_and_alert_actions(ctx):
    _h, c, csrf = _signed(ctx)
    with ctx.transaction() as s:
        a = raise_alarm(s, ctx, name="CertificateExpired", object="store:7",
                        message="tomcat expired").alarm
        raise_alarm(s, ctx, name="CertificateExpiring", object="store:8", message="soon")
    page = c.get("/monitoring/alarms")
    assert page.status_code == 200
    assert '<span class="badge revoked">Critical</span>' in page.text
    assert '<span class="badge expiring">Warning</span>' in page.text
    assert page.text.count('<span class="badge expired">Active</span>') == 2
    only = c.get("/monitoring/alarms?name=CertificateExpiring")
    assert "store:8" in only.text and "store:7" not in only.text
    r = c.post(f"/monitoring/alarms/{a.id}/clear", data={"csrf_token": csrf})
    assert r.status_code == 200 and "cleared" in r.text
    assert alarms.get_alarm(ctx, a.id).cleared
    active = c.get("/monitoring/alarms?state=active")
    assert "store:7" not in active.text and "store:8" in active.text
    assert c.post("/monitoring/alarms/424242/clear",
                  data={"csrf_token": csrf}).status_code == 404
    r = c.post("/monitoring/alert-actions", data={
        "csrf_token": csrf, "action": "Oncall", "recipients": "oncall@example.com",
        "alarm": "CertificateExpired", "enabled": "true"})
    assert r.status_code == 200 and "Alert action saved" in r.text
    acts = alarms.get_alert_actions(ctx)
    assert acts.recipients_for("CertificateExpired") == ["oncall@example.com"]
    r = c.post("/monitoring/alert-actions", data={"csrf_token": csrf, "action": "Oncall",
                                                  "recipients": "no-at-sign"})
    assert r.status_code == 422 and _field_error(r.text, "recipients")
    assert alarms.get_alert_actions(ctx) == acts


def test_revocation_status_in_certificate_list_and_details(ctx, clock):
    _h, c, _ = _signed(ctx)
    e = store.generate_self_signed(ctx, "tomcat", node="pub").entries[0]
    with ctx.transaction() as s:
        s.add(RevocationStatus(cert_key=f"store:{e.id}", status="revoked", source="ocsp",
                               url="http://ocsp.example.com/", detail="",
                               checked_at=clock.now(),
                               revoked_at=clock.now() - dt.timedelta(days=1), extra={}))
    lst = c.get("/certificates")
    assert "<th>Revocation</th>" in lst.text
    assert re.search(r'<span class="badge revoked"[^>]*>Revoked</span>', lst.text)
    det = c.get(f"/certificates/{e.id}")
    assert re.search(r'id="revocation-state">Revoked since [^<]* · ocsp, checked', det.text)
    rev = c.get("/monitoring/revocation")
    assert f'href="/certificates/{e.id}"' in rev.text


def test_metrics_allowlist_form(ctx):
    from certyard.monitor.scrape_access import get_metrics_allowlist

    h, c, csrf = _signed(ctx)
    r = c.post("/monitoring/metrics-allowlist", data={"csrf_token": csrf,
                                                      "networks": "10.1.2.3, 192.0.2.0/24"})
    assert r.status_code == 200 and "Metrics allowlist saved" in r.text
    assert get_metrics_allowlist(ctx) == ["10.1.2.3/32", "192.0.2.0/24"]
    assert 'value="10.1.2.3/32, 192.0.2.0/24"' in r.text
    r = c.post("/monitoring/metrics-allowlist", data={"csrf_token": csrf, "networks": "nope"})
    assert r.status_code == 422 and "not an IP address" in _field_error(r.text, "networks")
    assert get_metrics_allowlist(ctx) == ["10.1.2.3/32", "192.0.2.0/24"]
    _, v, vcsrf = _signed_again(h)
    assert v.post("/monitoring/metrics-allowlist",
                  data={"csrf_token": vcsrf, "networks": ""}).status_code == 403


def _signed_again(h):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    v = TestClient(h.client.app, base_url="https://testserver")
    return h, v, sign_in(v, "viewer")
