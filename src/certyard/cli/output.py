"""Rendering for the CLI: JSON for scripts, readable tables for people."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["console", "emit_json", "err", "fmt_date", "table", "warn"]

console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)
_err = Console(stderr=True, highlight=False)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str, sort_keys=False) + "\n")


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          *, empty: str = "nothing to show") -> None:
    rows = list(rows)
    if not rows:
        console.print(f"[dim]{empty}[/dim]")
        return
    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    console.print(t)


def fmt_date(value: dt.datetime | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d")


def warn(message: str) -> None:
    _err.print(f"[yellow]warning:[/yellow] {message}")


def err(message: str) -> None:
    _err.print(message)


def parse_date(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
