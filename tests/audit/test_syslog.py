"""Remote syslog with a real receiver on loopback: UDP, TCP, outage and ordered backlog."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from certyard.alarms import list_alarms
from certyard.audit import record_event
from certyard.errors import InvalidInput
from certyard.syslog.forward import configure_syslog, deliver_backlog, set_protocol, syslog_status
from tests.audit.receiver import SyslogReceiver
from tests.support.ports import free_port

RFC5424 = re.compile(
    rb'^<(\d{1,3})>1 (\S+Z) (\S+) certyard - (\S+) \[certyard@32473 id="(\d+)" '
    rb'actor="[^"]*" source="[^"]*" action="([^"]*)" target="((?:[^"\\]|\\.)*)" '
    rb'outcome="(\w+)" hash="([0-9a-f]{64})"\] (.*)$', re.S)


def _events(ctx, *targets: str, outcome: str = "success") -> None:  # type: ignore[no-untyped-def]
    for t in targets:
        with ctx.transaction() as s:
            record_event(s, ctx, action="certificate.delete", target=t, outcome=outcome,
                         details={"why": "test"})


def _targets(messages: list[bytes]) -> list[str]:
    out = []
    for m in messages:
        match = RFC5424.match(m)
        assert match, m
        out.append(match.group(7).decode())
    return out


def test_udp_delivery_rfc5424(ctx) -> None:  # type: ignore[no-untyped-def]
    rx = SyslogReceiver("udp")
    try:
        _events(ctx, "before-config")  # history before enabling stays local
        configure_syslog(ctx, host="127.0.0.1", port=rx.port, protocol="udp", enabled=True,
                         hostname="node1.example.com")
        _events(ctx, "a", 'quo"te]')
        _events(ctx, "c", outcome="failure")
        res = deliver_backlog(ctx)
        assert res.error is None and res.pending == 0
        msgs = rx.wait_for(4)[1:]
        # the configure record itself is forwarded first
        assert _targets(rx.messages[:1]) == ["syslog"]
        targets = _targets(msgs)
        assert targets == ["a", 'quo\\"te\\]', "c"]
        first = RFC5424.match(msgs[0])
        assert first and int(first.group(1)) == 13 * 8 + 5
        assert first.group(3) == b"node1.example.com"
        assert int(RFC5424.match(msgs[2]).group(1)) == 13 * 8 + 4  # type: ignore[union-attr]
        assert deliver_backlog(ctx).sent == 0  # nothing sent twice
    finally:
        rx.close()


def test_tcp_outage_backlog_in_order_and_throttled_alarm(ctx, clock) -> None:  # type: ignore[no-untyped-def]
    port = free_port()  # nothing listens there yet: the server is down
    _events(ctx, "e0")  # history before enabling stays local
    configure_syslog(ctx, host="127.0.0.1", port=port, protocol="tcp", enabled=True)
    _events(ctx, "e1", "e2")
    res = deliver_backlog(ctx, timeout=1)
    assert res.sent == 0 and res.pending == 3 and "refused" in (res.error or "").lower()
    assert res.alarm_raised
    _events(ctx, "e3")
    clock.advance(dt.timedelta(minutes=30))
    res = deliver_backlog(ctx, timeout=1)
    assert res.pending == 4 and not res.alarm_raised  # once an hour at most
    alarms = list_alarms(ctx, name="TCPRemoteSyslogDeliveryFailed")
    assert len(alarms) == 1 and alarms[0].count == 1
    clock.advance(dt.timedelta(minutes=31))
    assert deliver_backlog(ctx, timeout=1).alarm_raised
    assert syslog_status(ctx)["last_error"]
    # the local record is kept throughout
    rx = SyslogReceiver("tcp", port=port)
    try:
        _events(ctx, "e4")
        res = deliver_backlog(ctx)
        assert res.error is None and res.sent == 5 and res.pending == 0
        assert _targets(rx.wait_for(5)) == ["syslog", "e1", "e2", "e3", "e4"]
        _events(ctx, "e5")
        deliver_backlog(ctx)
        assert _targets(rx.wait_for(6)) == ["syslog", "e1", "e2", "e3", "e4", "e5"]
        assert syslog_status(ctx)["last_error"] is None
    finally:
        rx.close()


def test_settings_rules(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="before enabling"):
        configure_syslog(ctx, enabled=True)
    with pytest.raises(InvalidInput, match="neither an IP"):
        configure_syslog(ctx, host="bad host!")
    with pytest.raises(InvalidInput, match="port must be"):
        configure_syslog(ctx, host="log.example.com", port=70000)
    with pytest.raises(InvalidInput, match="tcp or udp"):
        set_protocol(ctx, "sctp")
    with pytest.raises(InvalidInput, match="TLS needs"):
        configure_syslog(ctx, host="log.example.com", protocol="udp", tls=True)
    assert syslog_status(ctx)["protocol"] == "udp"  # default outside enhanced mode
    assert syslog_status(ctx)["enabled"] is False


def test_cli_set_protocol_and_flush(cli, ctx) -> None:  # type: ignore[no-untyped-def]
    rx = SyslogReceiver("tcp")
    try:
        r = cli("syslog", "set-protocol", "tcp")
        assert r.code == 0 and "tcp" in r.stdout
        assert cli("syslog", "show-protocol").stdout.strip() == "tcp"
        r = cli("syslog", "set-protocol", "carrier-pigeon")
        assert r.code == 2 and "tcp or udp" in r.stderr
        r = cli("syslog", "configure", "--host", "127.0.0.1", "--port", str(rx.port),
                "--enable", "--json")
        assert r.code == 0 and r.json()["protocol"] == "tcp"
        _events(ctx, "via-cli")
        r = cli("syslog", "flush", "--json")
        assert r.code == 0 and r.json()["pending"] == 0
        assert "via-cli" in _targets(rx.wait_for(1))
        assert cli("syslog", "show", "--json").json()["pending"] == 0
    finally:
        rx.close()
    _events(ctx, "lost-server")
    r = cli("syslog", "flush")
    assert r.code == 8 and "syslog server 127.0.0.1" in r.stderr


def _tls_server(tmp_path):  # type: ignore[no-untyped-def]
    import datetime as _dt
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "syslog test")])
    now = _dt.datetime.now(_dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(minutes=5))
            .not_valid_after(now + _dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "rx.pem", tmp_path / "rx.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert_file, key_file)
    return sctx, cert_file


def test_tls_delivery_verifies_the_server(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sctx, ca_file = _tls_server(tmp_path)
    rx = SyslogReceiver("tcp", tls=sctx)
    try:
        configure_syslog(ctx, host="127.0.0.1", port=rx.port, protocol="tcp", tls=True,
                         enabled=True)  # system CAs only: the self-signed server is refused
        _events(ctx, "t1")
        res = deliver_backlog(ctx, timeout=3)
        assert res.sent == 0 and "certificate verify failed" in (res.error or "")
        configure_syslog(ctx, ca_file=str(ca_file))
        res = deliver_backlog(ctx, timeout=3)
        assert res.error is None and res.pending == 0
        assert "t1" in _targets(rx.wait_for(4))  # with the marker that opens the trail
    finally:
        rx.close()
