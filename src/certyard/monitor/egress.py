"""Where the server may connect when a URL came from uploaded material.

The OCSP and CRL URLs in a certificate's AIA and CRL distribution points are written by
whoever made the certificate; fetching them blindly turns the revocation check into a
probe of the server's own network (loopback services, cloud metadata, the LAN). So:

* a URL the administrator configured (the OCSP Configured URI) is fetched as given;
* any other URL's host name is resolved and **every** address checked: it must be a
  public (globally routable) address, lie in an allowed network, or the host must be an
  allowed host name (``allowed_destinations``: host names, ``.example.com`` for a domain
  and its subdomains, or CIDR networks). Loopback, link-local, private, shared, reserved
  and multicast addresses are refused unless allowed;
* the connection goes to the checked address (no second lookup an attacker's DNS could
  answer differently), with the original Host header and TLS server name.

What the user sees of a failure is a reason code; what the network answered (HTTP status,
connection error text) goes only to the server log.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Blocked", "EgressPolicy", "Target", "check_destination", "generic_detail"]

log = logging.getLogger("certyard.monitor.egress")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Blocked(Exception):
    """A fetch refused or failed; ``code`` is what the user is told."""

    def __init__(self, code: str, log_detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.log_detail = log_detail


def generic_detail(code: str) -> str:
    return f"responder unreachable or refused (reason: {code})"


@dataclass(frozen=True)
class Target:
    url: str  # with the checked address in place of the host name
    host_header: str
    server_name: str | None  # for TLS (https URLs with a host name)


@dataclass(frozen=True)
class EgressPolicy:
    allowed: tuple[str, ...] = ()
    configured_urls: tuple[str, ...] = ()

    def networks(self) -> list[IPNetwork]:
        out: list[IPNetwork] = []
        for entry in self.allowed:
            try:
                out.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue
        return out

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for entry in self.allowed:
            e = entry.lower().rstrip(".")
            if e.startswith(".") and (host == e[1:] or host.endswith(e)):
                return True
            if host == e:
                return True
        return False


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Blocked("unresolvable", f"{host}: {exc}") from None
    addrs: list[IPAddress] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]
        addr = ipaddress.ip_address(text)
        if addr not in addrs:
            addrs.append(addr)
    if not addrs:
        raise Blocked("unresolvable", host)
    return addrs


def _public(addr: IPAddress) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return _public(addr.ipv4_mapped)
    return addr.is_global and not addr.is_multicast


def check_destination(url: str, policy: EgressPolicy,
                      addresses: Iterable[IPAddress] | None = None) -> Target:
    """The checked target for ``url`` or ``Blocked("not_allowed")``. ``addresses`` stands
    in for DNS (tests)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Blocked("not_allowed", f"not an http(s) URL: {url[:200]}")
    if parts.username or parts.password:
        raise Blocked("not_allowed", "credentials in URL")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Blocked("not_allowed", f"bad port in {url[:200]}") from None
    configured = url in policy.configured_urls
    addrs = list(addresses) if addresses is not None else _resolve(host, port)
    if not configured and not policy.host_allowed(host):
        nets = policy.networks()
        for a in addrs:
            if not (_public(a) or any(a.version == n.version and a in n for n in nets)):
                raise Blocked("not_allowed", f"{host} resolves to {a}, which is not a public "
                              "address and not in the allowed destinations")
    addr = addrs[0]
    literal = f"[{addr}]" if addr.version == 6 else str(addr)
    netloc = f"{literal}:{port}"
    bracketed = f"[{host}]" if ":" in host else host
    host_header = bracketed if parts.port is None else f"{bracketed}:{parts.port}"
    try:
        ipaddress.ip_address(host)
        sni = None
    except ValueError:
        sni = host
    return Target(url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
                  host_header=host_header, server_name=sni)
