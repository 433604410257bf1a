"""An enrollment token buys a name-less agent credential, never a certificate for any name
(security review finding)."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certyard import ca, cluster
from certyard.cluster.agents import create_enroll_token, enroll_agent
from certyard.errors import InvalidCSR
from certyard.x509 import build_csr, generate_private_key


def _csr(cn: str, sans: list[x509.GeneralName]) -> bytes:
    key = generate_private_key("EC", 256)
    return build_csr(key, common_name=cn, sans=sans, hash_name="SHA256").public_bytes(
        Encoding.PEM)


@pytest.mark.parametrize("cn,sans", [
    ("admin", []),
    ("certyard-agent", [x509.DNSName("victim.example.com")]),
    ("certyard-agent", [x509.IPAddress(ipaddress.ip_address("10.0.0.5"))]),
])
def test_over_reaching_agent_csr_is_refused_and_token_kept(ctx, cn, sans) -> None:  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx)
    token = create_enroll_token(ctx, "pub")
    with pytest.raises(InvalidCSR, match="agent CSR"):
        enroll_agent(ctx, token=token.token, csr_pem=_csr(cn, sans))
    # The token was not used up: a proper CSR still enrolls with it.
    result = enroll_agent(ctx, token=token.token, csr_pem=_csr("certyard-agent", []))
    cert = x509.load_pem_x509_certificate(result.certificate.encode())
    assert cert.subject.rfc4514_string() == "CN=certyard-agent"
