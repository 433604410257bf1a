"""ACME settings (the ``acme`` settings document): where the validator connects.

http_port / tlsalpn_port: the ports http-01 and tls-alpn-01 validation connect to on the
identifier (80 and 443 by RFC; tests use loopback ports). dns_resolver: ``host:port`` of
the DNS server dns-01 asks (empty: the system resolver). allowed_networks: when set, the
validator connects only to addresses inside them. timeout: seconds per validation attempt.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from certyard.ca.config import normalised_networks
from certyard.db.documents import save_document
from certyard.db.models import Setting
from certyard.errors import InvalidInput

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["AcmeSettings", "acme_settings", "update_acme_settings"]

SETTING_NAME = "acme"


@dataclass(frozen=True, kw_only=True)
class AcmeSettings:
    http_port: int = 80
    tlsalpn_port: int = 443
    dns_resolver: str = ""
    allowed_networks: list[str] = field(default_factory=list)
    timeout: float = 10.0

    def __post_init__(self) -> None:
        for name in ("http_port", "tlsalpn_port"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 65535:
                raise InvalidInput(f"{name.replace('_', ' ')} must be a port from 1 to 65535",
                                   field=name)
        if self.dns_resolver:
            self.resolver()
        for net in self.allowed_networks:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise InvalidInput(f"{net!r} is not an IP network in CIDR form "
                                   "(e.g. 10.0.0.0/8)", field="allowed_networks") from None
        if not 0.5 <= float(self.timeout) <= 120:
            raise InvalidInput("timeout must be 0.5 to 120 seconds", field="timeout")

    def resolver(self) -> tuple[str, int] | None:
        if not self.dns_resolver:
            return None
        host, sep, port = self.dns_resolver.rpartition(":")
        host = host.strip("[]")
        try:
            ipaddress.ip_address(host)
            number = int(port)
            if not sep or not 1 <= number <= 65535:
                raise ValueError
        except ValueError:
            raise InvalidInput("the DNS resolver must be IP:PORT (e.g. 127.0.0.1:53)",
                               field="dns_resolver") from None
        return host, number

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _load(s: Any) -> AcmeSettings:
    row = s.get(Setting, SETTING_NAME)
    value = dict(row.value) if row else {}
    return AcmeSettings(**{k: v for k, v in value.items()
                           if k in AcmeSettings.__dataclass_fields__})


def acme_settings(ctx: AppContext) -> AcmeSettings:
    with ctx.read() as s:
        return _load(s)


def update_acme_settings(ctx: AppContext, *, http_port: int | None = None,
                         tlsalpn_port: int | None = None, dns_resolver: str | None = None,
                         allowed_networks: list[str] | None = None,
                         timeout: float | None = None) -> AcmeSettings:
    """Change the given settings (None: unchanged); audited."""
    from certyard.audit import record_event

    changes: dict[str, Any] = {k: v for k, v in dict(
        http_port=http_port, tlsalpn_port=tlsalpn_port, timeout=timeout).items()
        if v is not None}
    if allowed_networks is not None:
        changes["allowed_networks"] = normalised_networks(allowed_networks)
    if dns_resolver is not None:
        changes["dns_resolver"] = dns_resolver.strip()
    now = ctx.clock.now()
    with ctx.transaction() as s:
        row = s.get(Setting, SETTING_NAME)
        value = {**(dict(row.value) if row else {}), **changes}
        new = AcmeSettings(**{k: v for k, v in value.items()
                              if k in AcmeSettings.__dataclass_fields__})
        save_document(s, SETTING_NAME, new.to_dict(), now=now)
        record_event(s, ctx, action="acme.settings.update", target="acme settings",
                     details=changes)
        return new
