"""The server-rendered admin UI (Jinja2, own CSS, no front-end build)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from certyard.web import pages_accounts, pages_auth, pages_ca, pages_certs

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)
for _m in (pages_auth, pages_certs, pages_ca, pages_accounts):
    router.include_router(_m.router)

__all__ = ["STATIC_DIR", "router"]
