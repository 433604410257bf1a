"""Rendering for the CLI: JSON for scripts, readable text for people.

JSON shapes (documented in README "JSON output"): a listing is ``{"items": [...],
"total": N}``, a single object is an object, an error is ``{"error": {"code", "reason",
"message"}}`` on stderr. Human output never shows Python reprs: booleans are yes/no, lists
are comma lists, dates carry their time zone, nested mappings are indented sections."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["console", "emit_json", "emit_list", "err", "fmt_date", "fmt_datetime", "fmt_value",
           "parse_date", "show_fields", "table", "warn"]

console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)
_err = Console(stderr=True, highlight=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=_json_default) + "\n")


def emit_list(items: Iterable[Any], *, total: int | None = None, **extra: Any) -> None:
    """The one listing shape: {"items": [...], "total": N} (plus paging fields if any)."""
    rows = [i.to_dict() if hasattr(i, "to_dict") else i for i in items]
    emit_json({"items": rows, "total": len(rows) if total is None else total, **extra})


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          *, empty: str = "nothing to show") -> None:
    rows = list(rows)
    if not rows:
        console.print(f"[dim]{escape(empty)}[/dim]")
        return
    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*[escape(fmt_value(v)) for v in r])
    console.print(t)


def fmt_date(value: dt.datetime | str | None) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d")


def fmt_datetime(value: dt.datetime | str | None) -> str:
    """A moment as a person reads it, with its time zone: 2026-11-30 15:04 UTC."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    name = value.tzname() or ""
    return value.strftime("%Y-%m-%d %H:%M") + (" UTC" if name in ("UTC", "UTC+00:00")
                                               else f" {name}")


def _looks_like_datetime(text: str) -> bool:
    if len(text) < 19 or text[4] != "-" or text[10] not in "T ":
        return False
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def fmt_value(value: Any) -> str:
    """One value on one line: yes/no, comma lists, dates with time zone, '-' for none."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return fmt_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return fmt_datetime(value) if _looks_like_datetime(value) else value
    if isinstance(value, Mapping):
        return ", ".join(f"{_label(k)}: {fmt_value(v)}" for k, v in value.items()) or "-"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(fmt_value(v) for v in value) or "-"
    if hasattr(value, "to_dict"):
        return fmt_value(value.to_dict())
    return str(value)


_ACRONYMS = {"ca": "CA", "crl": "CRL", "ocsp": "OCSP", "url": "URL", "uri": "URI",
             "ip": "IP", "id": "ID", "ids": "IDs", "tls": "TLS", "fqdn": "FQDN", "sans": "SANs",
             "smtp": "SMTP", "sftp": "SFTP", "csr": "CSR", "dh": "DH", "esp": "ESP",
             "psk": "PSK", "sha256": "SHA-256", "sha1": "SHA-1", "sha512": "SHA-512"}


def _label(key: object) -> str:
    words = [_ACRONYMS.get(w.lower(), w) for w in str(key).split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _field_lines(data: Mapping[str, Any], indent: int, labels: Mapping[str, str]) -> list[str]:
    lines: list[str] = []
    width = max((len(labels.get(str(k), _label(k))) for k in data), default=0) + 1
    pad = " " * indent
    for key, value in data.items():
        label = labels.get(str(key), _label(key)) + ":"
        if hasattr(value, "to_dict"):
            value = value.to_dict()
        if isinstance(value, Mapping) and value:
            lines.append(f"{pad}{label}")
            lines += _field_lines(value, indent + 2, labels)
        elif (isinstance(value, (list, tuple)) and value
              and all(isinstance(v, Mapping) for v in value)):
            lines.append(f"{pad}{label}")
            for item in value:
                sub = _field_lines(item, indent + 4, labels)
                sub[0] = f"{pad}  - {sub[0].lstrip()}"
                lines += sub
        else:
            lines.append(f"{pad}{label:<{width}} {fmt_value(value)}")
    return lines


def show_fields(data: Mapping[str, Any] | Any, *, labels: Mapping[str, str] | None = None,
                skip: Iterable[str] = ()) -> None:
    """An object as indented 'Label: value' lines; nested mappings become sections."""
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    drop = set(skip)
    shown = {k: v for k, v in data.items() if k not in drop}
    for line in _field_lines(shown, 0, labels or {}):
        console.print(escape(line))


def warn(message: str) -> None:
    _err.print(f"[yellow]warning:[/yellow] {escape(message)}")


def err(message: str) -> None:
    _err.print(escape(message))


def parse_date(text: str | None, *, option: str = "--date") -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)",
                                 param_hint=f"'{option}'") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
