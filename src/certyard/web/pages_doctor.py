"""Health check page: the ``certyard doctor`` report for this installation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from certyard.http.auth import Auth, require
from certyard.web.render import render

router = APIRouter()


@router.get("/doctor")
def doctor_page(request: Request,
                auth: Annotated[Auth, Depends(require("settings:read"))]) -> Response:
    from certyard.ops.doctor import DoctorOptions, run_doctor

    # The listener this page came through is the one to check against the policy.
    host, port = (request.scope.get("server") or ("127.0.0.1", 8443))[:2]
    host = "127.0.0.1" if host in ("0.0.0.0", "::", None) else host  # noqa: S104
    shown = f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    listeners: tuple[str, ...] = (shown,) if request.url.scheme == "https" else ()
    report = run_doctor(auth.ctx.settings, DoctorOptions(listeners=listeners), ctx=auth.ctx)
    return render(request, "doctor.html", title="Health check", report=report,
                  summary=report.to_dict())
