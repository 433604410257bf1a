"""The server-rendered admin UI (Jinja2, own CSS, no front-end build).

Every ``pages_*`` module with a ``router`` is included, so a room adds its pages by adding
a module. There are no placeholder pages: every navigation entry leads to a real page.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from fastapi import APIRouter

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)
_FIRST = ("pages_auth", "pages_certs", "pages_ca", "pages_accounts")
_names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("pages_"))
for _name in [*_FIRST, *(n for n in _names if n not in _FIRST)]:
    _mod = importlib.import_module(f"{__name__}.{_name}")
    if hasattr(_mod, "router"):
        router.include_router(_mod.router)

__all__ = ["STATIC_DIR", "router"]
