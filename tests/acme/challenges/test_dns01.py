"""dns-01 against a real authoritative server (BIND 9 from tests/support/dns.py), and the
validator's own resolver used for http-01 and tls-alpn-01 names."""

from __future__ import annotations

import base64
import hashlib

import pytest

from certyard.acme.challenges import (
    ChallengeFailed,
    ValidationConfig,
    dns01_txt_value,
    validate,
)
from tests.acme.challenges.targets import (
    KEY_AUTH,
    TOKEN,
    Answer,
    alpn_certificate,
    challenge_path,
    http_target,
    name_san,
    tls_target,
)
from tests.support.dns import DnsServer
from tests.support.ports import closed_port


def _fails(acme_type: str, kind: str, itype: str, value: str,
           cfg: ValidationConfig) -> ChallengeFailed:
    with pytest.raises(ChallengeFailed) as info:
        validate(kind, itype, value, TOKEN, KEY_AUTH, cfg)
    assert info.value.acme_type == acme_type, info.value.message
    return info.value


def test_txt_value_is_the_rfc_digest() -> None:
    # RFC 8555 §8.4: base64url(SHA-256(key authorization)), no padding
    digest = hashlib.sha256(KEY_AUTH.encode()).digest()
    assert dns01_txt_value(KEY_AUTH) == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert len(dns01_txt_value(KEY_AUTH)) == 43


def test_txt_record_validates(dns_server: DnsServer) -> None:
    name = dns_server.name("ok")
    cfg = ValidationConfig(dns_resolver=dns_server.resolver, timeout=5)
    dns_server.add_txt(f"_acme-challenge.{name}", "unrelated")
    dns_server.add_txt(f"_acme-challenge.{name}", dns01_txt_value(KEY_AUTH))
    validate("dns-01", "dns", name.upper() + ".", TOKEN, KEY_AUTH, cfg)


def test_wildcard_validates_at_the_base_name(dns_server: DnsServer) -> None:
    name = dns_server.name("wild")
    dns_server.add_txt(f"_acme-challenge.{name}", dns01_txt_value(KEY_AUTH))
    validate("dns-01", "dns", f"*.{name}", TOKEN, KEY_AUTH,
             ValidationConfig(dns_resolver=dns_server.resolver, timeout=5))


def test_record_written_by_nsupdate_validates(dns_server: DnsServer) -> None:
    name = dns_server.name("nsupdate")
    done = dns_server.nsupdate(f'update add _acme-challenge.{name} 5 TXT '
                               f'"{dns01_txt_value(KEY_AUTH)}"')
    assert done.returncode == 0, done.stderr
    validate("dns-01", "dns", name, TOKEN, KEY_AUTH,
             ValidationConfig(dns_resolver=dns_server.resolver, timeout=5))


def test_wrong_txt_is_unauthorized(dns_server: DnsServer) -> None:
    name = dns_server.name("wrong")
    dns_server.add_txt(f"_acme-challenge.{name}", dns01_txt_value("other." + "x" * 43))
    _fails("unauthorized", "dns-01", "dns", name,
           ValidationConfig(dns_resolver=dns_server.resolver, timeout=5))


def test_removed_record_no_longer_validates(dns_server: DnsServer) -> None:
    name = dns_server.name("removed")
    cfg = ValidationConfig(dns_resolver=dns_server.resolver, timeout=5)
    dns_server.add_txt(f"_acme-challenge.{name}", dns01_txt_value(KEY_AUTH))
    validate("dns-01", "dns", name, TOKEN, KEY_AUTH, cfg)
    dns_server.remove_txt(f"_acme-challenge.{name}")
    _fails("dns", "dns-01", "dns", name, cfg)


def test_missing_record_is_dns(dns_server: DnsServer) -> None:
    _fails("dns", "dns-01", "dns", dns_server.name("absent"),
           ValidationConfig(dns_resolver=dns_server.resolver, timeout=5))


def test_unreachable_resolver_is_dns() -> None:
    with closed_port() as port:
        _fails("dns", "dns-01", "dns", "x.acme.test",
               ValidationConfig(dns_resolver=("127.0.0.1", port), timeout=1))


def test_ip_identifier_cannot_use_dns01() -> None:
    _fails("rejectedIdentifier", "dns-01", "ip", "127.0.0.1", ValidationConfig())


def test_http01_name_resolves_through_the_configured_resolver(dns_server: DnsServer) -> None:
    name = dns_server.name("web")
    dns_server.add_a(name, "127.0.0.1")
    with http_target({challenge_path(): Answer(body=KEY_AUTH.encode())}) as t:
        cfg = ValidationConfig(http_port=t.port, dns_resolver=dns_server.resolver, timeout=5)
        validate("http-01", "dns", name, TOKEN, KEY_AUTH, cfg)
        assert t.seen == [(challenge_path(), f"{name}:{t.port}")]
        # a name that points outside the allowed networks is never contacted
        outside = dns_server.name("outside")
        dns_server.add_a(outside, "127.0.0.2")
        _fails("rejectedIdentifier", "http-01", "dns", outside,
               ValidationConfig(http_port=t.port, dns_resolver=dns_server.resolver,
                                allowed_networks=("127.0.0.1/32",), timeout=5))
        _fails("dns", "http-01", "dns", dns_server.name("nowhere"), cfg)
    assert len(t.seen) == 1


def test_tlsalpn01_name_resolves_through_the_configured_resolver(
        dns_server: DnsServer) -> None:
    name = dns_server.name("alpn")
    dns_server.add_a(name, "127.0.0.1")
    with tls_target(*alpn_certificate(name_san(name))) as t:
        validate("tls-alpn-01", "dns", name, TOKEN, KEY_AUTH,
                 ValidationConfig(tlsalpn_port=t.port, dns_resolver=dns_server.resolver,
                                  timeout=5))
    assert t.sni == [name]
