from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from certyard.alarms import clear_alarm, list_alarms, raise_alarm, update_alert_actions
from certyard.db.models.monitor import OutboxMessage
from certyard.errors import InvalidInput


def test_raise_counts_and_clear(ctx, clock):
    with ctx.transaction() as s:
        r1 = raise_alarm(s, ctx, name="CertificateExpired", object="tomcat@node1",
                         severity="Critical", message="expired")
    clock.advance(dt.timedelta(minutes=5))
    with ctx.transaction() as s:
        r2 = raise_alarm(s, ctx, name="CertificateExpired", object="tomcat@node1",
                         severity="Critical", message="still expired")
    assert r1.alarm.id == r2.alarm.id and r2.alarm.count == 2
    assert r2.alarm.first_seen < r2.alarm.last_seen
    (a,) = list_alarms(ctx, active_only=True)
    assert a.message == "still expired" and not a.cleared
    with ctx.transaction() as s:
        assert clear_alarm(s, ctx, name="CertificateExpired", object="tomcat@node1")
    assert list_alarms(ctx, active_only=True) == []
    assert list_alarms(ctx)[0].cleared


def test_alert_mail_throttled_to_one_per_hour(ctx, clock):
    update_alert_actions(ctx, action="Default", recipients=["ops@example.com"], enabled=True)
    notified = []
    for _ in range(3):
        with ctx.transaction() as s:
            notified.append(raise_alarm(s, ctx, name="TCPRemoteSyslogDeliveryFailed",
                                        object="syslog.example:601", severity="Error",
                                        message="down").notified)
        clock.advance(dt.timedelta(minutes=20))
    clock.advance(dt.timedelta(minutes=1))
    with ctx.transaction() as s:
        notified.append(raise_alarm(s, ctx, name="TCPRemoteSyslogDeliveryFailed",
                                    object="syslog.example:601", severity="Error",
                                    message="down").notified)
    assert notified == [True, False, False, True]
    with ctx.read() as s:
        msgs = list(s.scalars(select(OutboxMessage)))
    assert len(msgs) == 2 and msgs[0].recipients == ["ops@example.com"]
    assert "TCPRemoteSyslogDeliveryFailed" in msgs[0].subject


def test_bad_alarm_input_rejected(ctx):
    with pytest.raises(InvalidInput, match="severity"), ctx.transaction() as s:
        raise_alarm(s, ctx, name="X", object="o", severity="Bad", message="")
    with pytest.raises(InvalidInput, match="e-mail"):
        update_alert_actions(ctx, recipients=["not-an-address"], enabled=True)
    assert list_alarms(ctx) == []
