"""Request values every delivery layer parses the same defensive way: database ids within
the integer range the database holds, and download file names that any HTTP header can
carry (RFC 6266 ``filename*=UTF-8''`` for names that are not plain ASCII)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Path, Query

__all__ = ["DB_INT_MAX", "Id", "QueryCount", "attachment", "etag_value"]

# PostgreSQL INTEGER; SQLite's 64-bit integers are wider. A larger id names no row.
DB_INT_MAX = 2**31 - 1

Id = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
QueryCount = Annotated[int, Query(ge=0, le=DB_INT_MAX)]

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")


def attachment(name: str) -> str:
    """A ``Content-Disposition`` value for a download called ``name``: an ASCII fallback
    in ``filename``, and the exact name UTF-8 percent-encoded in ``filename*`` when the
    fallback is not the same."""
    fallback = "".join(c if c in _PLAIN else "_" for c in name).strip(".") or "download"
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def etag_value(header: str | None) -> str | None:
    """The opaque tag of an ``If-None-Match`` header (one strong or weak entity tag), or
    None when there is none; ``ValueError`` when it is not a well-formed ASCII tag."""
    if header is None:
        return None
    text = header.strip()
    if not text:
        return None
    if text.startswith("W/"):
        text = text[2:]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if len(text) > 128 or not all(0x21 <= ord(c) <= 0x7E and c != '"' for c in text):
        raise ValueError("If-None-Match must be one entity tag of printable ASCII characters")
    return text or None
