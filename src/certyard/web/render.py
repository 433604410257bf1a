"""Rendering pages in the common layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from certyard.web.flash import COOKIE as FLASH_COOKIE
from certyard.web.flash import pop_flash

__all__ = ["NAV", "days_left", "duration", "format_date", "human", "render", "render_error"]

NAV: list[tuple[str, str, str | None]] = [  # (label, path, privilege to see it)
    ("Dashboard", "/", None),
    ("Certificates", "/certificates", "certificates:read"),
    ("Certificate Authority", "/ca", "ca:read"),
    ("ACME", "/acme-server", "ca:read"),
    ("Nodes", "/nodes", "nodes:read"),
    ("Monitoring", "/monitoring", "monitoring:read"),
    ("Policy", "/policy", "policy:read"),
    ("IPsec", "/ipsec", "policy:read"),
    ("Bulk", "/bulk", "certificates:read"),
    ("Accounts", "/accounts", "accounts:read"),
    ("Audit", "/audit", "audit:read"),
    ("Settings", "/settings", "settings:read"),
]

def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` output on every page passes here: a value that is not text yet
    (a boolean, list, mapping, date, duration) is written with :func:`human`, so no page
    can show a Python repr (True, ['a'], {'k': 1}, a raw datetime). None prints nothing:
    it may stand in an input's value, where a dash would be sent back; cells that show
    "nothing" as "—" say so with ``|human``. Text (and markup) passes unchanged."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, list, tuple, set, frozenset, dict, dt.date, dt.timedelta)):
        return human(value)
    return value


_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True, finalize=_finalize)


def format_date(value: Any) -> str:
    """The one date format of the UI: ``YYYY-MM-DD HH:MM UTC``."""
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return str(value)
    if value.tzinfo is None:  # the database hands back naive UTC on SQLite
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def human(value: Any) -> str:
    """A value as a person reads it: yes/no for booleans, "—" for nothing, comma lists,
    "key: value" pairs with spaces for underscores; never a Python repr."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return format_date(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration(value)
    if isinstance(value, dict):
        return ", ".join(f"{str(k).replace('_', ' ')}: {human(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(human(v) for v in value)
    return str(value)


def duration(value: dt.timedelta | int | float) -> str:
    """A length of time as a person says it: "2 days 3 hours", "45 minutes", "30 seconds"
    (the two largest units; ``int``/``float`` are seconds)."""
    seconds = int(value.total_seconds() if isinstance(value, dt.timedelta) else value)
    if seconds < 0:
        return "-" + duration(-seconds)
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n} {unit}{'s' if n != 1 else ''}")
    return " ".join(parts[:2]) or "0 seconds"


def days_left(not_after: Any, now: dt.datetime) -> str:
    """Whole days until ``not_after`` ("expired" when past), for the days-left columns."""
    if not_after is None:
        return "—"
    if isinstance(not_after, str):
        not_after = dt.datetime.fromisoformat(not_after)
    if not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=dt.timezone.utc)
    days = (not_after - now).days
    return "expired" if not_after < now else str(days)


def _badges(item: Any, now: dt.datetime, revoked: frozenset[str]) -> list[tuple[str, str]]:
    out = []
    if getattr(item, "serial", None) in revoked:
        out.append(("revoked", "Revoked"))
    not_after = getattr(item, "not_after", None)
    if not_after is not None:
        if not_after < now:
            out.append(("expired", "Expired"))
        elif not_after < now + dt.timedelta(days=30):
            out.append(("expiring", "Expiring"))
    if getattr(item, "self_signed", False):
        out.append(("self", "Self-signed"))
    return out


_env.filters["date"] = format_date
_env.filters["human"] = human
_env.filters["duration"] = duration


def render(request: Request, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    now = request.app.state.ctx.clock.now()
    revoked: frozenset[str] = getattr(request.state, "revoked", frozenset())
    nav = [(label, path) for label, path, priv in NAV
           if principal is not None and (priv is None or priv in principal.privileges)]
    notice = pop_flash(request)
    html = _env.get_template(template).render(
        request=request, principal=principal, nav=nav, path=request.url.path,
        csrf=principal.csrf_token if principal else "", badges=lambda i: _badges(i, now, revoked),
        notice=notice, now=now, days_left=lambda v: days_left(v, now), **values)
    resp = HTMLResponse(html, status_code=status)
    if FLASH_COOKIE in request.cookies:
        resp.delete_cookie(FLASH_COOKIE, path="/", secure=True, httponly=True,
                           samesite="strict")
    return resp


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """The error page (certyard.http.errors calls it for page paths)."""
    return render(request, "error.html", status=status, status_code=status, message=message)
