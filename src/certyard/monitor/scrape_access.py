"""Who may scrape ``GET /metrics`` by address alone: the metrics allowlist (setting
``metrics_allowlist``: networks; empty means nobody is let in by address). Prometheus
servers often cannot hold a token, hence the list; everyone else needs credentials with
``monitoring:read``. Read and changed here only; changes are audited."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from certyard.audit import record_event
from certyard.db.models import Setting
from certyard.errors import InvalidInput

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["SETTING", "get_metrics_allowlist", "metrics_allowlisted", "set_metrics_allowlist"]

SETTING = "metrics_allowlist"
_MAX_NETWORKS = 100


def _network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError:
        raise InvalidInput(f"{text!r} is not an IP address or network (CIDR)",
                           field="networks") from None


def get_metrics_allowlist(ctx: AppContext) -> list[str]:
    with ctx.read() as s:
        row = s.get(Setting, SETTING)
        return list(row.value.get("networks", [])) if row else []


def set_metrics_allowlist(ctx: AppContext, networks: list[str]) -> list[str]:
    """Replace the list (validated, duplicates dropped); recorded in the audit trail."""
    nets: list[str] = []
    for n in networks:
        if n.strip() and (v := _network(n)) not in nets:
            nets.append(v)
    if len(nets) > _MAX_NETWORKS:
        raise InvalidInput(f"at most {_MAX_NETWORKS} networks", field="networks")
    with ctx.transaction() as s:
        row = s.get(Setting, SETTING)
        if row is None:
            s.add(Setting(name=SETTING, value={"networks": nets}, updated_at=ctx.clock.now()))
        else:
            row.value = {"networks": nets}
            row.updated_at = ctx.clock.now()
        record_event(s, ctx, action="metrics_allowlist.update", target=SETTING,
                     details={"networks": nets})
    return nets


def metrics_allowlisted(ctx: AppContext, address: str) -> bool:
    """Whether a scraper at ``address`` is let in without credentials."""
    from certyard.accounts.allowlist import address_in

    return address_in((ipaddress.ip_network(n) for n in get_metrics_allowlist(ctx)), address)
