"""CA settings, stored in the ``setting`` table under the name ``ca``.

base_url: written into AIA (OCSP, CA issuers) and CRL distribution points; the plain-HTTP
listener of ``certyard serve``. Default ``http://<publisher FQDN>:8080``.
fips_require_token: in FIPS mode, CA keys must live in a PKCS#11 token (``ca.fips``).
crl_delta: publish delta CRLs (RFC 5280 5.2.4) beside each CA's full CRL (``ca.crl_delta``).
crl_delta_hours: a delta CRL's validity (nextUpdate - thisUpdate); re-signed at half of it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.db.models import Node, Setting
from certyard.errors import InvalidInput

__all__ = ["CaSettings", "load_settings", "update_settings"]

SETTING_NAME = "ca"


@dataclass(frozen=True, kw_only=True)
class CaSettings:
    base_url: str = ""
    auto_approve_nodes: bool = False
    allowed_domains: list[str] = field(default_factory=list)
    allow_wildcards: bool = False
    allowed_networks: list[str] = field(default_factory=list)
    crl_days: int = 7
    ocsp_hours: int = 24
    ocsp_delegated: bool = False
    fips_require_token: bool = False
    # CRL partitions for certificates issued from now on (0: one full CRL per CA).
    crl_shards: int = 0
    # Delta CRLs: off by default; when on, the full CRL names the delta in Freshest CRL.
    crl_delta: bool = False
    crl_delta_hours: int = 1
    purposes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.base_url:
            parts = urlsplit(self.base_url)
            if parts.scheme != "http" or not parts.hostname or parts.query or parts.fragment:
                raise InvalidInput("the CA base URL must be a plain http://host[:port][/path] "
                                   "URL (CRL and OCSP are served without TLS)", field="base_url")
        for net in self.allowed_networks:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise InvalidInput(f"{net!r} is not an IP network in CIDR form "
                                   "(e.g. 10.0.0.0/8)", field="allowed_networks") from None
        if not 1 <= self.crl_days <= 365:
            raise InvalidInput("CRL validity must be 1 to 365 days", field="crl_days")
        if not 0 <= self.crl_shards <= 1024:
            raise InvalidInput("CRL shards must be 0 (off) to 1024", field="crl_shards")
        if not 1 <= self.crl_delta_hours <= 168 or self.crl_delta_hours >= self.crl_days * 24:
            raise InvalidInput("delta CRL validity must be 1 to 168 hours and shorter than "
                               "the full CRL's", field="crl_delta_hours")
        if not 1 <= self.ocsp_hours <= 24 * 7:
            raise InvalidInput("OCSP response validity must be 1 to 168 hours",
                               field="ocsp_hours")

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_settings(s: Session) -> CaSettings:
    row = s.get(Setting, SETTING_NAME)
    value = dict(row.value) if row else {}
    known = {k: v for k, v in value.items() if k in CaSettings.__dataclass_fields__}
    settings = CaSettings(**known)
    if not settings.base_url:
        fqdn = s.scalar(select(Node.fqdn).where(Node.is_publisher.is_(True))) or "localhost"
        settings = replace(settings, base_url=f"http://{fqdn}:8080")
    return settings


def update_settings(s: Session, *, now: Any, **changes: Any) -> CaSettings:
    row = s.get(Setting, SETTING_NAME)
    value = dict(row.value) if row else {}
    for k, v in changes.items():
        if v is None:
            continue
        if k not in CaSettings.__dataclass_fields__:
            raise InvalidInput(f"unknown CA setting {k}")
        if k == "allowed_domains":
            v = sorted({d.strip().lower().strip(".") for d in v if d.strip()})
        if k == "allowed_networks":
            v = normalised_networks(v)
        value[k] = v
    CaSettings(**value)  # validate before storing
    if row is None:
        s.add(Setting(name=SETTING_NAME, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
    s.flush()
    return load_settings(s)


def normalised_networks(texts: list[str]) -> list[str]:
    """CIDR networks, normalised, de-duplicated and sorted; blank entries dropped."""
    out = set()
    for text in texts:
        if not text.strip():
            continue
        try:
            out.add(str(ipaddress.ip_network(text.strip(), strict=False)))
        except ValueError:
            raise InvalidInput(f"{text!r} is not an IP network in CIDR form (e.g. 10.0.0.0/8)",
                               field="allowed_networks") from None
    return sorted(out)
