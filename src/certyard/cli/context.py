"""The process-wide AppContext for CLI commands, opened on first use."""

from __future__ import annotations

import os
from functools import lru_cache

from certyard.context import Actor, AppContext, open_context
from certyard.errors import InvalidFile, InvalidInput

__all__ = ["cli_context", "read_input"]


@lru_cache(maxsize=1)
def cli_context() -> AppContext:
    user = os.environ.get("SUDO_USER") or os.environ.get("USER") or "cli"
    return open_context(actor=Actor(name=f"cli:{user}", source="local"))


def read_input(path: str, limit: int) -> bytes:
    """An upload from a path or '-' (stdin), never reading past the limit."""
    import sys

    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InvalidInput(f"file {path} not found", field="file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a directory, not a file", field="file") from None
    except PermissionError:
        raise InvalidInput(f"file {path} cannot be read (permission denied)",
                           field="file") from None
    if len(data) > limit:
        size = os.path.getsize(path) if path != "-" else len(data)
        raise InvalidFile(f"the file is {size:,} bytes or more; the limit is {limit:,} bytes")
    return data
