"""Metrics text, settings validation and the SMTP test mail."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from certyard.alarms import raise_alarm
from certyard.cluster.nodes import init_cluster
from certyard.errors import ExternalServiceError, InvalidInput, NotInitialised
from certyard.monitor import (
    get_monitor_settings,
    get_smtp_settings,
    render_metrics,
    send_test_mail,
    update_monitor_settings,
    update_revocation_settings,
    update_smtp_settings,
)
from certyard.monitor.settings import smtp_password
from tests.monitor.smtp_server import LoopbackSmtp
from tests.support.ports import free_port

LINE = re.compile(r'^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+]+$')


def test_metrics_text_format(ctx):
    init_cluster(ctx, name="node1", fqdn="node1.example.com")
    with ctx.transaction() as s:
        raise_alarm(s, ctx, name="CertificateExpired", object='we"ird\nobj', severity="Critical",
                    message="x")
    text = render_metrics(ctx)
    for line in text.splitlines():
        assert line.startswith("# ") or LINE.match(line), line
    ts = [ln for ln in text.splitlines()
          if ln.startswith("certyard_certificate_not_after_timestamp_seconds{")]
    assert ts and all('node="node1"' in ln or 'source="trust"' in ln for ln in ts)
    assert any('purpose="tomcat"' in ln and 'cn="node1.example.com"' in ln for ln in ts)
    assert 'certyard_alarms{name="CertificateExpired",severity="Critical",state="active"} 1.0' \
        in text
    assert "# TYPE certyard_certificate_revocation_status gauge" in text
    assert 'certyard_outbox_messages{status="pending"} 0.0' in text
    value = float(ts[0].rsplit(" ", 1)[1])  # Go float text, e.g. 1.7672256e+09
    assert value > dt.datetime.now(dt.timezone.utc).timestamp()


def test_settings_validation_leaves_store_unchanged(ctx):
    before = get_monitor_settings(ctx)
    for bad, match in [({"email_ids": ["a@b.com", "nope"]}, "not a valid e-mail"),
                       ({"notification_start_days": 0}, "between 1 and 3650"),
                       ({"notification_frequency_unit": "weeks"}, "hours or days"),
                       ({"email_enabled": True}, "at least one e-mail")]:
        with pytest.raises(InvalidInput, match=match):
            update_monitor_settings(ctx, **bad)
    assert get_monitor_settings(ctx) == before
    with pytest.raises(InvalidInput, match="security"):
        update_smtp_settings(ctx, host="mail.example.com", security="ssl3")
    with pytest.raises(InvalidInput, match="port"):
        update_smtp_settings(ctx, host="mail.example.com", port=70000)
    with pytest.raises(InvalidInput, match="needs the OCSP Configured URI"):
        update_revocation_settings(ctx, ocsp_enabled=True, ocsp_uri_source="configured")
    with pytest.raises(InvalidInput, match="http"):
        update_revocation_settings(ctx, ocsp_configured_uri="ftp://x")
    assert not get_smtp_settings(ctx).configured
    s = update_monitor_settings(ctx, email_enabled=True, email_ids="a@example.com, b@example.com")
    assert s.email_ids == ("a@example.com", "b@example.com")


def test_smtp_password_sealed_and_hidden(ctx):
    s = update_smtp_settings(ctx, host="127.0.0.1", username="u", password="s3cret")
    assert "s3cret" not in str(s.to_dict()) and s.to_dict()["password_set"] is True
    assert "s3cret" not in repr(s)
    assert smtp_password(ctx, get_smtp_settings(ctx)) == "s3cret"


def test_send_test_mail(ctx):
    with pytest.raises(NotInitialised, match="no SMTP host"):
        send_test_mail(ctx, to="a@example.com")
    server = LoopbackSmtp().start()
    try:
        update_smtp_settings(ctx, host="127.0.0.1", port=server.port, sender="cy@example.com")
        assert send_test_mail(ctx, to="admin@example.com")["sent"]
        assert server.inbox[0]["Subject"] == "[certyard] test mail"
        assert server.inbox[0]["From"] == "cy@example.com"
    finally:
        server.stop()
    update_smtp_settings(ctx, port=free_port(), timeout_seconds=2)
    with pytest.raises(ExternalServiceError, match=r"SMTP 127\.0\.0\.1"):
        send_test_mail(ctx, to="admin@example.com")
    with pytest.raises(InvalidInput, match="valid e-mail"):
        send_test_mail(ctx, to="bad address")


def test_metrics_content_type_is_prometheus_text_0_0_4() -> None:
    from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

    from certyard.monitor import METRICS_CONTENT_TYPE

    assert METRICS_CONTENT_TYPE == CONTENT_TYPE_PLAIN_0_0_4
