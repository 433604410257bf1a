"""Admin UI allowlist (seed 004 ``utils whitelist admin_ui``): addresses and CIDR ranges
allowed to reach the UI and API. Empty: everyone. The host CLI can always change it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from certyard.audit import record_event
from certyard.db import snapshot
from certyard.db.models.accounts import AllowlistEntry
from certyard.errors import Duplicate, InvalidInput, NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["add_allowed", "delete_allowed", "is_allowed", "list_allowed", "parse_network"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(text: str) -> Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise InvalidInput(f"{text!r} is not an IP address or CIDR range (like 10.0.0.5 or "
                           "10.0.0.0/24)", field="address") from None


def list_allowed(ctx: AppContext) -> list[str]:
    with snapshot(ctx.sessions) as s:  # on every HTTPS request: never waits for a writer
        return list(s.scalars(select(AllowlistEntry.network).order_by(AllowlistEntry.id)))


def add_allowed(ctx: AppContext, address: str) -> str:
    net = str(parse_network(address))
    with ctx.transaction() as s:
        if s.scalar(select(AllowlistEntry).where(AllowlistEntry.network == net)):
            raise Duplicate(f"{net} is already in the allowlist", field="address")
        s.add(AllowlistEntry(network=net, created_at=ctx.clock.now()))
        record_event(s, ctx, action="accounts.allowlist.add", target=net)
    return net


def delete_allowed(ctx: AppContext, address: str) -> str:
    net = str(parse_network(address))
    with ctx.transaction() as s:
        row = s.scalar(select(AllowlistEntry).where(AllowlistEntry.network == net))
        if row is None:
            raise NotFound("allowlist entry", net)
        s.delete(row)
        record_event(s, ctx, action="accounts.allowlist.delete", target=net)
    return net


def address_in(networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network],
               address: str | None) -> bool:
    """Whether ``address`` (an IPv4-mapped IPv6 address counts as its IPv4 one) lies in
    one of ``networks``; an unparsable or missing address lies in none."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in n for n in networks)


def is_allowed(networks: list[str], address: str | None) -> bool:
    if not networks:
        return True
    return address_in((ipaddress.ip_network(n) for n in networks), address)
