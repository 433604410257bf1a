"""dns-01 (RFC 8555 §8.4): a TXT record at ``_acme-challenge.<name>`` equal to the
base64url SHA-256 of the key authorization, looked up through the configured resolver
(or the system's). A wildcard is validated at its base name; an IP identifier cannot
use dns-01 (RFC 8738 §7)."""

from __future__ import annotations

import base64
import hashlib

import dns.exception
import dns.resolver

from certyard.acme.challenges.addresses import make_resolver, normalise_identifier
from certyard.acme.challenges.config import ChallengeFailed, ValidationConfig

__all__ = ["dns01_record_name", "dns01_txt_value", "validate_dns01"]


def dns01_txt_value(key_authorization: str) -> str:
    digest = hashlib.sha256(key_authorization.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def dns01_record_name(name: str) -> str:
    return "_acme-challenge." + name.removeprefix("*.")


def validate_dns01(identifier_type: str, identifier_value: str, token: str,
                   key_authorization: str, cfg: ValidationConfig) -> None:
    if identifier_type == "ip":
        raise ChallengeFailed("dns-01 cannot validate an IP address identifier",
                              acme_type="rejectedIdentifier")
    name = normalise_identifier(identifier_type, identifier_value)
    record = dns01_record_name(name)
    resolver = make_resolver(cfg)
    try:
        answer = resolver.resolve(record, "TXT", search=False)
    except dns.resolver.NXDOMAIN:
        raise ChallengeFailed(f"DNS problem: NXDOMAIN looking up TXT for {record}",
                              acme_type="dns") from None
    except dns.resolver.NoAnswer:
        raise ChallengeFailed(f"DNS problem: no TXT record found at {record}",
                              acme_type="dns") from None
    except dns.exception.DNSException as exc:
        raise ChallengeFailed(f"DNS problem looking up TXT for {record}: "
                              f"{type(exc).__name__}", acme_type="dns") from None
    expected = dns01_txt_value(key_authorization).encode("ascii")
    values = [b"".join(rdata.strings) for rdata in answer]
    if expected not in values:
        raise ChallengeFailed(f"no TXT record at {record} matches the key authorization "
                              f"({len(values)} found)", acme_type="unauthorized")
