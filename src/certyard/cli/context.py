"""The process-wide AppContext for CLI commands, opened on first use.

Commands that only read or change an existing store call ``cli_context()``: on a home
where certyard was never set up it exits 7 and creates nothing. The commands that set a
home up (``init``, ``serve``, ``restore``) call ``cli_context(create=True)``."""

from __future__ import annotations

import os
import socket

from certyard.context import Actor, AppContext, open_context
from certyard.errors import InvalidFile

__all__ = ["cli_actor", "cli_context", "opened_context", "read_input", "reset_context"]

_CTX: AppContext | None = None


def cli_actor() -> Actor:
    """The operating-system user and host who ran the command, for the audit trail."""
    user = os.environ.get("SUDO_USER") or os.environ.get("USER") or os.environ.get("LOGNAME")
    if not user:
        try:
            import pwd

            user = pwd.getpwuid(os.getuid()).pw_name
        except (ImportError, KeyError):
            user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    host = socket.gethostname() or "localhost"
    return Actor(name=f"os:{user}@{host}", source="local")


def cli_context(*, create: bool = False, force_new_database: bool = False) -> AppContext:
    global _CTX
    if _CTX is None:
        _CTX = open_context(actor=cli_actor(), create=create,
                            force_new_database=force_new_database)
    return _CTX


def opened_context() -> AppContext | None:
    """The context if a command opened one (so a caller can dispose it), else None."""
    return _CTX


def reset_context() -> None:
    global _CTX
    if _CTX is not None:
        _CTX.engine.dispose()
    _CTX = None


# Kept for callers written against the lru_cache version.
cli_context.cache_clear = reset_context  # type: ignore[attr-defined]


def read_input(path: str, limit: int) -> bytes:
    """An upload from a path or '-' (stdin), never reading past the limit. A file that
    cannot be read is an unusable file (exit 3), as the README's exit-code table says."""
    import sys

    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InvalidFile(f"file {path} not found", field="file") from None
    except IsADirectoryError:
        raise InvalidFile(f"{path} is a directory, not a file", field="file") from None
    except PermissionError:
        raise InvalidFile(f"file {path} cannot be read (permission denied)",
                          field="file") from None
    if len(data) > limit:
        size = os.path.getsize(path) if path != "-" else len(data)
        raise InvalidFile(f"the file is {size:,} bytes or more; the limit is {limit:,} bytes")
    return data
