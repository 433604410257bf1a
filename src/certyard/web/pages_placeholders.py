"""Placeholder pages for navigation areas whose pages come with later issues. Included last
(see ``certyard.web``), so a real page at the same path takes precedence."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from certyard.api.auth import Auth, require
from certyard.web.render import render

router = APIRouter()


def _placeholder(area: str, title: str, text: str) -> None:
    guard = Depends(require(f"{area}:read"))  # not in the annotation: those are strings here

    @router.get(f"/{area}")
    def page(request: Request, auth: Auth = guard) -> Response:
        return render(request, "placeholder.html", title=title, text=text)

    page.__name__ = f"{area}_page"


_placeholder("policy", "Policy", "TLS versions, Cipher Management, FIPS and Enhanced Security "
             "Mode appear here. Until then, use `certyard tls`, `certyard fips` on the server.")
_placeholder("settings", "Settings", "System settings appear here.")
