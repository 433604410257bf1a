"""Where a validation connects: the identifier's own addresses, resolved by the validator
(the configured resolver or the system's) and checked against the allowed networks before
any connection, so a name that points inside a forbidden network is never contacted."""

from __future__ import annotations

import ipaddress
import re
import socket

import dns.exception
import dns.resolver

from certyard.acme.challenges.config import ChallengeFailed, ValidationConfig

__all__ = ["IPAddress", "make_resolver", "normalise_identifier", "target_addresses"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


def normalise_identifier(identifier_type: str, value: str) -> str:
    """The identifier as validation uses it: lower-case name without a final dot, or the
    canonical text of an address. Raises ``ChallengeFailed(rejectedIdentifier)``."""
    if identifier_type == "ip":
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            raise ChallengeFailed(f"{value!r} is not an IP address",
                                  acme_type="rejectedIdentifier") from None
    if identifier_type != "dns":
        raise ChallengeFailed(f"identifier type {identifier_type!r} is not supported",
                              acme_type="rejectedIdentifier")
    name = value.strip().lower().rstrip(".")
    labels = name.split(".")
    first_ok = (labels[0] == "*" and len(labels) > 1) or _LABEL.fullmatch(labels[0])
    if (len(name) > 253 or not first_ok
            or not all(_LABEL.fullmatch(label) for label in labels[1:])):
        raise ChallengeFailed(f"{value!r} is not a valid DNS name (A-labels only)",
                              acme_type="rejectedIdentifier")
    return name


def make_resolver(cfg: ValidationConfig) -> dns.resolver.Resolver:
    if cfg.dns_resolver is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [cfg.dns_resolver[0]]
        resolver.port = cfg.dns_resolver[1]
    resolver.lifetime = cfg.timeout
    resolver.timeout = min(cfg.timeout, 2.0)
    return resolver


def _resolve_with_dnspython(name: str, cfg: ValidationConfig) -> list[IPAddress]:
    resolver = make_resolver(cfg)
    found: list[IPAddress] = []
    problems: list[str] = []
    for rdtype in ("AAAA", "A"):
        try:
            answer = resolver.resolve(name, rdtype, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer) as exc:
            problems.append(f"{rdtype}: {type(exc).__name__}")
            continue
        except dns.exception.DNSException as exc:
            raise ChallengeFailed(f"DNS problem looking up {rdtype} for {name}: "
                                  f"{type(exc).__name__}", acme_type="dns") from None
        found.extend(ipaddress.ip_address(r.to_text()) for r in answer)
    if not found:
        raise ChallengeFailed(f"DNS problem: no address for {name} ({', '.join(problems)})",
                              acme_type="dns")
    return found


def _resolve_with_system(name: str) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ChallengeFailed(f"DNS problem: no address for {name} ({exc.strerror})",
                              acme_type="dns") from None
    found: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if addr not in found:
            found.append(addr)
    return found


def target_addresses(identifier_type: str, value: str, cfg: ValidationConfig
                     ) -> list[IPAddress]:
    """The addresses to try, in order; every one inside ``cfg.allowed_networks`` when
    that is set, else ``ChallengeFailed(rejectedIdentifier)`` before any connection."""
    if identifier_type == "ip":
        addresses: list[IPAddress] = [ipaddress.ip_address(value)]
    elif cfg.dns_resolver is not None:
        addresses = _resolve_with_dnspython(value, cfg)
    else:
        addresses = _resolve_with_system(value)
    networks = cfg.networks()
    if networks:
        outside = [a for a in addresses
                   if not any(a.version == n.version and a in n for n in networks)]
        if outside:
            raise ChallengeFailed(
                f"{value} resolves to {', '.join(map(str, outside))}, outside the networks "
                "validation may reach", acme_type="rejectedIdentifier")
    return addresses
