"""tls-alpn-01 (RFC 8737) against real loopback TLS servers: names and IPv4 addresses
(reverse-DNS SNI, RFC 8738), and each failure with its RFC 8555 error type."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509

from certyard.acme.challenges import ChallengeFailed, ValidationConfig, validate
from tests.acme.challenges.targets import (
    KEY_AUTH,
    TOKEN,
    alpn_certificate,
    name_san,
    silent_target,
    tls_target,
)
from tests.support.ports import closed_port


def _cfg(port: int, **kw: object) -> ValidationConfig:
    return ValidationConfig(tlsalpn_port=port, timeout=5.0, **kw)  # type: ignore[arg-type]


def _fails(acme_type: str, itype: str, value: str, cfg: ValidationConfig) -> ChallengeFailed:
    with pytest.raises(ChallengeFailed) as info:
        validate("tls-alpn-01", itype, value, TOKEN, KEY_AUTH, cfg)
    assert info.value.acme_type == acme_type, info.value.message
    return info.value


def test_dns_identifier_validates_with_sni_the_name() -> None:
    with tls_target(*alpn_certificate(name_san("localhost"))) as t:
        validate("tls-alpn-01", "dns", "localhost", TOKEN, KEY_AUTH, _cfg(t.port))
    assert t.sni == ["localhost"]


def test_ipv4_identifier_validates_with_reverse_dns_sni() -> None:
    with tls_target(*alpn_certificate(name_san("127.0.0.1"))) as t:
        validate("tls-alpn-01", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(t.port))
    assert t.sni == ["1.0.0.127.in-addr.arpa"]


def test_wrong_digest_is_incorrect_response() -> None:
    with tls_target(*alpn_certificate(name_san("localhost"), "other." + "x" * 43)) as t:
        _fails("incorrectResponse", "dns", "localhost", _cfg(t.port))


def test_extension_must_be_critical_and_present() -> None:
    with tls_target(*alpn_certificate(name_san("localhost"), critical=False)) as t:
        _fails("unauthorized", "dns", "localhost", _cfg(t.port))
    with tls_target(*alpn_certificate(name_san("localhost"), with_extension=False)) as t:
        _fails("unauthorized", "dns", "localhost", _cfg(t.port))


@pytest.mark.parametrize("san", [
    [x509.DNSName("localhost"), x509.DNSName("other.example")],
    [x509.DNSName("other.example")],
    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    [],
])
def test_san_must_be_exactly_the_identifier(san: list[x509.GeneralName]) -> None:
    with tls_target(*alpn_certificate(san)) as t:
        _fails("unauthorized", "dns", "localhost", _cfg(t.port))


def test_ip_san_must_be_the_address() -> None:
    with tls_target(*alpn_certificate(name_san("localhost"))) as t:
        _fails("unauthorized", "ip", "127.0.0.1", _cfg(t.port))


def test_server_without_the_acme_alpn_is_tls() -> None:
    with tls_target(*alpn_certificate(name_san("localhost")), alpn=("h2", "http/1.1")) as t:
        err = _fails("tls", "dns", "localhost", _cfg(t.port))
    assert "acme-tls/1" in err.message


def test_non_tls_server_is_tls() -> None:
    with silent_target(b"HTTP/1.1 400 Bad Request\r\n\r\n") as port:
        _fails("tls", "ip", "127.0.0.1", _cfg(port))


def test_refused_is_connection() -> None:
    with closed_port() as port:
        _fails("connection", "ip", "127.0.0.1", _cfg(port))


def test_silent_server_is_connection() -> None:
    with silent_target() as port:
        _fails("connection", "ip", "127.0.0.1", ValidationConfig(tlsalpn_port=port,
                                                                 timeout=1.0))


def test_outside_allowed_networks_is_never_contacted() -> None:
    with tls_target(*alpn_certificate(name_san("127.0.0.1"))) as t:
        _fails("rejectedIdentifier", "ip", "127.0.0.1",
               _cfg(t.port, allowed_networks=("::1/128",)))
    assert t.sni == []


def test_wildcard_is_rejected() -> None:
    _fails("rejectedIdentifier", "dns", "*.localhost", _cfg(443))
