"""``GET /metrics``: the monitor's Prometheus text on the HTTPS application.

A scraper gets in either with credentials (an API token or a session whose role holds
``monitoring:read``) or because its address is in the metrics allowlist (setting
``metrics_allowlist``: networks; empty means nobody is let in by address). Prometheus
servers often cannot hold a token, hence the allowlist; everyone else gets 401/403.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from certyard import monitor
from certyard.api.auth import Auth, app_ctx, client_ip, require
from certyard.audit import record_event
from certyard.db.models import Setting
from certyard.errors import CertyardError, InvalidInput

__all__ = ["SETTING", "get_metrics_allowlist", "router", "set_metrics_allowlist"]

SETTING = "metrics_allowlist"
router = APIRouter(include_in_schema=False)


def _network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError:
        raise InvalidInput(f"{text!r} is not an IP address or network (CIDR)",
                           field="networks") from None


def get_metrics_allowlist(ctx: Any) -> list[str]:
    with ctx.read() as s:
        row = s.get(Setting, SETTING)
        return list(row.value.get("networks", [])) if row else []


def set_metrics_allowlist(ctx: Any, networks: list[str]) -> list[str]:
    """Replace the list (validated, duplicates dropped); recorded in the audit trail."""
    nets: list[str] = []
    for n in networks:
        if n.strip() and (v := _network(n)) not in nets:
            nets.append(v)
    if len(nets) > 100:
        raise InvalidInput("at most 100 networks", field="networks")
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


def _allowlisted(networks: list[str], address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(n) for n in networks)


class metrics_access(require):  # lower case, like the ``require`` it extends
    """``require("monitoring:read")``, unless the caller's address is allowlisted."""

    def __init__(self) -> None:
        super().__init__("monitoring:read")

    async def __call__(self, request: Request) -> Auth | None:  # type: ignore[override]
        if _allowlisted(get_metrics_allowlist(app_ctx(request)), client_ip(request)):
            return None
        try:
            return await super().__call__(request)
        except CertyardError as exc:  # a scraper gets a status, not the sign-in redirect
            headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
            raise HTTPException(exc.http_status, exc.message, headers=headers) from None


@router.get("/metrics")
def metrics(request: Request,
            auth: Annotated[Auth | None, Depends(metrics_access())]) -> Response:
    return Response(monitor.render_metrics(app_ctx(request)),
                    media_type=monitor.METRICS_CONTENT_TYPE)
