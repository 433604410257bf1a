from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509

from certyard.errors import InvalidName
from certyard.x509 import check_common_name, check_dns_name, parse_san


@pytest.mark.parametrize("text,expected", [
    ("host.example.com", x509.DNSName("host.example.com")),
    ("DNS:Host.Example.com", x509.DNSName("host.example.com")),
    ("*.example.com", x509.DNSName("*.example.com")),
    ("IP:192.0.2.1", x509.IPAddress(ipaddress.ip_address("192.0.2.1"))),
    ("2001:db8::1", x509.IPAddress(ipaddress.ip_address("2001:db8::1"))),
    ("xn--bcher-kva.example", x509.DNSName("xn--bcher-kva.example")),
])
def test_valid_sans(text: str, expected: x509.GeneralName) -> None:
    assert parse_san(text) == expected


@pytest.mark.parametrize("text", [
    "-bad.example.com", "bad-.example.com", "a..b", "", "x" * 64 + ".com", "bücher.example",
    "1.2.3", "exa mple.com", "*.com", "host\t.example.com", "a.*.example.com",
])
def test_invalid_dns(text: str) -> None:
    with pytest.raises(InvalidName):
        parse_san(text)


@pytest.mark.parametrize("cn", ["ok\u200b", "\u202eevil", "tab\tname", " lead", "аpple.com"])
def test_hostile_common_names(cn: str) -> None:
    with pytest.raises(InvalidName):
        check_common_name(cn)


def test_plain_common_names() -> None:
    assert check_common_name("Example Root CA") == "Example Root CA"
    assert check_dns_name("Host.Example.COM.") == "host.example.com"
