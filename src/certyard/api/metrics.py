"""``GET /metrics``: the monitor's Prometheus text on the HTTPS application.

A scraper gets in either with credentials (an API token or a session whose role holds
``monitoring:read``) or because its address is in the metrics allowlist
(certyard.monitor.scrape_access); everyone else gets 401/403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from certyard import monitor
from certyard.errors import CertyardError
from certyard.http.auth import Auth, app_ctx, client_ip, require
from certyard.http.errors import http_status
from certyard.monitor.scrape_access import metrics_allowlisted

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


class metrics_access(require):  # lower case, like the ``require`` it extends
    """``require("monitoring:read")``, unless the caller's address is allowlisted."""

    def __init__(self) -> None:
        super().__init__("monitoring:read")

    async def __call__(self, request: Request) -> Auth | None:  # type: ignore[override]
        if metrics_allowlisted(app_ctx(request), client_ip(request)):
            return None
        try:
            return await super().__call__(request)
        except CertyardError as exc:  # a scraper gets a status, not the sign-in redirect
            status = http_status(exc)
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            raise HTTPException(status, exc.message, headers=headers) from None


@router.get("/metrics")
def metrics(request: Request,
            auth: Annotated[Auth | None, Depends(metrics_access())]) -> Response:
    return Response(monitor.render_metrics(app_ctx(request)),
                    media_type=monitor.METRICS_CONTENT_TYPE)
