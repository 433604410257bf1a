"""Finding 5: every name in a certificate passes the name policy (CN and each SAN), IP
names need their own allow-list, and a CN that is not a name is refused."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from certyard import ca
from certyard.errors import InvalidInput
from tests.ca.helpers import setup_ca


def _csr(cn: str, *, dns: list[str] = (), ips: list[str] = ()) -> bytes:  # type: ignore[assignment]
    key = ec.generate_private_key(ec.SECP256R1())
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
    names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if names:
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return b.sign(key, hashes.SHA256()).public_bytes(Encoding.PEM)


BYPASSES = [
    ("public IP SAN", dict(cn="www.example.com", dns=["www.example.com"], ips=["8.8.8.8"])),
    ("private IP SAN", dict(cn="www.example.com", dns=["www.example.com"], ips=["10.1.2.3"])),
    ("IP CN", dict(cn="8.8.8.8", dns=["www.example.com"])),
    ("CN with trailing space", dict(cn="www.bank.com ", dns=["www.example.com"])),
    ("CN with slash", dict(cn="www.bank.com/", dns=["www.example.com"])),
    ("CN with zero-width space", dict(cn="www.bank\u200b.com", dns=["www.example.com"])),
    ("CN like a URL", dict(cn="https://www.bank.com", dns=["www.example.com"])),
]


@pytest.mark.parametrize("label,kw", BYPASSES, ids=[b[0] for b in BYPASSES])
def test_every_name_in_the_certificate_passes_the_policy(ctx: Any, label: str,
                                                         kw: dict[str, Any]) -> None:
    setup_ca(ctx)
    ca.configure_ca(ctx, allowed_domains=["example.com"])
    with pytest.raises(InvalidInput) as info:
        ca.submit_request(ctx, _csr(**kw))
    assert "\n" not in str(info.value)
    assert ca.list_issued(ctx) == [] or all(
        "bank" not in i.subject for i in ca.list_issued(ctx))


def test_ip_names_need_an_allowed_network(ctx: Any) -> None:
    setup_ca(ctx)
    ca.configure_ca(ctx, allowed_domains=["example.com"], allowed_networks=["10.0.0.0/8"])
    ok = ca.submit_request(ctx, _csr("www.example.com", dns=["www.example.com"],
                                     ips=["10.1.2.3"]))
    issued = ca.issue_request(ctx, ok.id)
    assert "IP:10.1.2.3" in " ".join(issued.sans) or "10.1.2.3" in " ".join(issued.sans)
    with pytest.raises(InvalidInput, match="outside the allowed networks"):
        ca.submit_request(ctx, _csr("www.example.com", dns=["www.example.com"],
                                    ips=["8.8.8.8"]))


def test_policy_is_checked_again_at_issue(ctx: Any) -> None:
    setup_ca(ctx)
    pending = ca.submit_request(ctx, _csr("www.example.com", dns=["www.example.com"],
                                          ips=["10.1.2.3"]))
    ca.configure_ca(ctx, allowed_domains=["example.com"])  # tightened meanwhile
    with pytest.raises(InvalidInput, match="no IP networks are allowed"):
        ca.issue_request(ctx, pending.id)


def test_bad_network_setting_is_refused(cli: Any) -> None:
    r = cli("ca", "config", "--allowed-network", "10.0.0.0/33")
    assert r.code == 2 and "CIDR" in r.stderr, r.stderr
    ok = cli("ca", "config", "--allowed-network", "10.1.0.0/16", "--json")
    assert ok.json()["allowed_networks"] == ["10.1.0.0/16"]
