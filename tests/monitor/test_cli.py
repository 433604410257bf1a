"""The monitor, alarms and smtp commands end to end."""

from __future__ import annotations

from tests.monitor.smtp_server import LoopbackSmtp


def test_monitor_settings_cli_and_bad_input(cli):
    r = cli("monitor", "set", "--start-days", "45", "--frequency", "12", "--unit", "hours",
            "--email", "--email-ids", "a@example.com,b@example.com", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["email_ids"] == ["a@example.com", "b@example.com"]
    before = cli("monitor", "show", "--json").json()
    bad = cli("monitor", "set", "--email-ids", "a@example.com,not-mail")
    assert bad.code == 2 and "not a valid e-mail address" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert cli("monitor", "set", "--unit", "weeks").code == 2
    assert cli("monitor", "show", "--json").json() == before == {
        "notification_start_days": 45, "notification_frequency": 12,
        "notification_frequency_unit": "hours", "email_enabled": True,
        "email_ids": ["a@example.com", "b@example.com"]}


def test_revocation_cli(cli):
    r = cli("monitor", "revocation", "set", "--ocsp", "--uri-source", "configured")
    assert r.code == 2 and "OCSP Configured URI" in r.stderr
    r = cli("monitor", "revocation", "set", "--ocsp", "--uri-source", "configured", "--uri",
            "http://ocsp.example.com/", "--check", "--every", "2", "--unit", "days", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["check_every_unit"] == "days"
    r = cli("monitor", "revocation", "check", "--json")
    assert r.code == 0 and r.json()["checked"] == 0
    assert cli("monitor", "revocation", "status", "--json").json()["items"] == []


def test_smtp_and_alarms_cli(cli):
    server = LoopbackSmtp().start()
    try:
        r = cli("smtp", "set", "--host", "127.0.0.1", "--port", str(server.port),
                "--sender", "cy@example.com", "--username", "", "--password-stdin", "--json",
                stdin=b"pw-123\n")
        assert r.code == 0, r.stderr
        assert "pw-123" not in r.stdout and r.json()["password_set"] is True
        r = cli("smtp", "test", "--to", "ops@example.com")
        assert r.code == 0, r.stderr
        assert len(server.inbox) == 1
    finally:
        server.stop()
    r = cli("smtp", "test", "--to", "ops@example.com")
    assert r.code == 8 and "SMTP 127.0.0.1" in r.stderr
    r = cli("alarms", "action", "set", "--recipients", "x@example.com", "--enable",
            "--alarm", "CertificateRevoked", "--json")
    assert r.code == 0 and r.json()["alarms"] == {"CertificateRevoked": "Default"}
    assert cli("alarms", "action", "set", "--recipients", "nope").code == 2
    assert cli("alarms", "list", "--json").json()["items"] == []
    assert cli("alarms", "show", "99").code == 4
    assert cli("alarms", "clear", "99").code == 4
    r = cli("monitor", "metrics")
    assert r.code == 0 and "# TYPE certyard_alarms gauge" in r.stdout
    r = cli("monitor", "scan", "--json")
    assert r.code == 0 and r.json()["in_window"] == 0
    r = cli("monitor", "run-job", "monitor.outbox", "--json")
    assert r.code == 0 and r.json()["pending"] == 0
    assert cli("monitor", "run-job", "nope").code == 4
    assert cli("monitor", "outbox", "--json").code == 0
    assert cli("monitor", "jobs", "--json").json()["items"] == []
