"""Expiry notices end to end: store certificates, a real SMTP server, the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from certyard.alarms import list_alarms
from certyard.cluster.nodes import init_cluster
from certyard.context import open_context
from certyard.monitor.expiry import scan_expiry
from certyard.monitor.notify import deliver_outbox, list_outbox
from certyard.monitor.settings import update_monitor_settings, update_smtp_settings
from certyard.store import upload_trust_certificates
from tests.monitor.smtp_server import LoopbackSmtp
from tests.support.pki import make_ca, pem


@pytest.fixture
def smtp() -> Iterator[LoopbackSmtp]:
    server = LoopbackSmtp().start()
    yield server
    server.stop()


def _setup(ctx, clock, smtp: LoopbackSmtp) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="node1", fqdn="node1.example.com")
    ca, _ = make_ca("Soon Expiring Root", start=clock.now() - dt.timedelta(days=300),
                    days=310)  # 10 days left
    upload_trust_certificates(ctx, "tomcat-trust", pem(ca))
    update_smtp_settings(ctx, host="127.0.0.1", port=smtp.port, security="none",
                         sender="certyard@example.com")
    update_monitor_settings(ctx, notification_start_days=30, notification_frequency=1,
                            notification_frequency_unit="days", email_enabled=True,
                            email_ids=["admin@example.com", "ops@example.com"])


def test_notice_content_one_per_period_no_duplicates_after_restart(ctx, clock, smtp):
    _setup(ctx, clock, smtp)
    report = scan_expiry(ctx)
    assert report.in_window == 1 and report.notices == 1 and report.emails_queued == 1
    assert deliver_outbox(ctx).sent == 1
    (msg,) = smtp.inbox
    body = msg.get_content()
    assert "Soon Expiring Root" in msg["Subject"] and "expires in" in msg["Subject"]
    assert msg["X-Envelope-To"] == "admin@example.com,ops@example.com"
    for needle in ("Certificate: CN=Soon Expiring Root", "Purpose: tomcat-trust",
                   "Node: all nodes", "Serial number:", "Issuer: CN=Soon Expiring Root",
                   "Days left: 10", "What to do: Obtain the CA's new certificate"):
        assert needle in body, needle

    # Same period, again and after "a restart" (a new context on the same database).
    assert scan_expiry(ctx).notices == 0
    ctx2 = open_context(ctx.settings, clock=clock)
    try:
        assert scan_expiry(ctx2).notices == 0
        assert deliver_outbox(ctx2).sent == 0
    finally:
        ctx2.engine.dispose()
    assert len(smtp.inbox) == 1

    # Next day: one more notice.
    clock.advance(dt.timedelta(days=1))
    assert scan_expiry(ctx).notices == 1
    deliver_outbox(ctx)
    assert len(smtp.inbox) == 2 and "Days left: 9" in smtp.inbox[1].get_content()
    (alarm,) = list_alarms(ctx, name="CertificateExpiring")
    assert alarm.count == 2 and not alarm.cleared


def test_expired_certificate_raises_alarm(ctx, clock, smtp):
    _setup(ctx, clock, smtp)
    clock.advance(dt.timedelta(days=11))
    report = scan_expiry(ctx)
    assert report.expired == 1
    (alarm,) = list_alarms(ctx, name="CertificateExpired", active_only=True)
    assert alarm.severity == "Critical" and "Soon Expiring Root" in alarm.message
    deliver_outbox(ctx)
    assert "EXPIRED" in smtp.inbox[-1]["Subject"]


def test_outbox_retries_with_backoff_until_smtp_returns(ctx, clock, smtp):
    _setup(ctx, clock, smtp)
    smtp.stop()
    scan_expiry(ctx)
    r = deliver_outbox(ctx)
    assert (r.sent, r.failed, r.pending) == (0, 1, 1)
    (m,) = list_outbox(ctx)
    assert m.attempts == 1 and "SMTP 127.0.0.1" in m.last_error
    assert list_alarms(ctx, name="EmailDeliveryFailed", active_only=True)
    # Not due yet: backoff.
    assert deliver_outbox(ctx).failed == 0
    clock.advance(dt.timedelta(minutes=1))
    assert deliver_outbox(ctx).failed == 1
    assert list_outbox(ctx)[0].next_attempt_at == clock.now() + dt.timedelta(minutes=2)
    # A restart in between loses nothing; the server comes back.
    ctx2 = open_context(ctx.settings, clock=clock)
    try:
        smtp.start()
        clock.advance(dt.timedelta(minutes=2))
        r = deliver_outbox(ctx2)
        assert (r.sent, r.pending) == (1, 0)
    finally:
        ctx2.engine.dispose()
    assert len(smtp.inbox) == 1
    assert not list_alarms(ctx, name="EmailDeliveryFailed", active_only=True)


def test_nothing_outside_window(ctx, clock, smtp):
    _setup(ctx, clock, smtp)
    update_monitor_settings(ctx, notification_start_days=5)
    assert scan_expiry(ctx).in_window == 0
