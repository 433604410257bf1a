"""The validator's settings and its one error.

    CertyardError
    └── ChallengeFailed(acme_type)     (the RFC 8555 error type the order's problem carries)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from certyard.errors import CertyardError

__all__ = ["ACME_TYPES", "AcmeType", "ChallengeFailed", "ValidationConfig"]

AcmeType = Literal["connection", "incorrectResponse", "dns", "unauthorized", "tls",
                   "rejectedIdentifier", "malformed"]
ACME_TYPES: frozenset[str] = frozenset(
    ("connection", "incorrectResponse", "dns", "unauthorized", "tls", "rejectedIdentifier",
     "malformed"))


class ChallengeFailed(CertyardError):
    """A challenge could not be validated. ``acme_type`` is the suffix of the RFC 8555
    error type (``urn:ietf:params:acme:error:<acme_type>``) for the challenge's problem."""

    code = "challenge_failed"

    def __init__(self, message: str, *, acme_type: AcmeType) -> None:
        if acme_type not in ACME_TYPES:
            raise ValueError(f"unknown ACME error type {acme_type!r}")
        super().__init__(message)
        self.acme_type: AcmeType = acme_type

    @property
    def urn(self) -> str:
        return f"urn:ietf:params:acme:error:{self.acme_type}"


def _port(value: object, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int")
    if not 1 <= value <= 65535:
        raise ValueError(f"{name} must be 1-65535, not {value}")


@dataclass(frozen=True)
class ValidationConfig:
    """Where the validator connects and which addresses it may reach.

    ``http_port``: port of http-01 requests (RFC 8555 says 80; tests use loopback ports).
    ``tlsalpn_port``: port of tls-alpn-01 handshakes, and the only port an http-01 redirect
    to ``https`` may name (RFC 8737 says 443).
    ``dns_resolver``: ``(address, port)`` of the resolver for dns-01 TXT look-ups and for
    the addresses of http-01 / tls-alpn-01 names; ``None`` uses the system resolver.
    ``allowed_networks``: when non-empty, a name whose addresses fall outside these
    networks is refused before any connection.
    ``timeout``: seconds for one validation (each connection and look-up within it).
    """

    http_port: int = 80
    tlsalpn_port: int = 443
    dns_resolver: tuple[str, int] | None = None
    allowed_networks: tuple[str, ...] = ()
    timeout: float = 10.0

    def __post_init__(self) -> None:
        _port(self.http_port, "http_port")
        _port(self.tlsalpn_port, "tlsalpn_port")
        if self.dns_resolver is not None:
            if not isinstance(self.dns_resolver, tuple) or len(self.dns_resolver) != 2:
                raise TypeError("dns_resolver must be an (address, port) tuple or None")
            host, port = self.dns_resolver
            if not isinstance(host, str):
                raise TypeError("dns_resolver address must be a str")
            ipaddress.ip_address(host)  # ValueError names the bad address
            _port(port, "dns_resolver port")
        if not isinstance(self.allowed_networks, tuple):
            raise TypeError("allowed_networks must be a tuple of CIDR strings")
        for net in self.allowed_networks:
            if not isinstance(net, str):
                raise TypeError("allowed_networks must be a tuple of CIDR strings")
            ipaddress.ip_network(net, strict=False)
        if not isinstance(self.timeout, (int, float)) or isinstance(self.timeout, bool):
            raise TypeError("timeout must be a number of seconds")
        if not 0 < self.timeout <= 300:
            raise ValueError("timeout must be more than 0 and at most 300 seconds")

    def networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(n, strict=False) for n in self.allowed_networks)
