"""The AppContext of one CLI invocation, opened on first use and disposed when it ends.

``certyard.cli.main`` runs every command inside :func:`invocation`; a command asks for the
context with ``cli_context()`` (opened once per invocation, then handed to service
functions explicitly). Commands that only read or change an existing store call
``cli_context()``: on a home where certyard was never set up it exits 7 and creates
nothing. The commands that set a home up (``init``, ``serve``, ``restore``) call
``cli_context(create=True)``. Nothing outlives the invocation, so nothing leaks from one
run (or test) to the next."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from certyard.context import Actor, AppContext, open_context
from certyard.errors import InvalidFile

__all__ = ["cli_actor", "cli_context", "invocation", "opened_context", "read_input",
           "reset_context"]


@dataclass
class _Invocation:
    ctx: AppContext | None = None


_CURRENT: ContextVar[_Invocation | None] = ContextVar("certyard_cli_invocation", default=None)
_OUTSIDE = _Invocation()  # a caller outside main() (e.g. an embedding script)


@contextlib.contextmanager
def invocation() -> Iterator[None]:
    """One CLI run: the context a command opens is disposed when the run ends."""
    run = _Invocation()
    token = _CURRENT.set(run)
    try:
        yield
    finally:
        _CURRENT.reset(token)
        if run.ctx is not None:
            run.ctx.engine.dispose()


def _current() -> _Invocation:
    return _CURRENT.get() or _OUTSIDE


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
    run = _current()
    if run.ctx is None:
        run.ctx = open_context(actor=cli_actor(), create=create,
                               force_new_database=force_new_database)
    return run.ctx


def opened_context() -> AppContext | None:
    """The context if a command of this invocation opened one, else None."""
    return _current().ctx


def reset_context() -> None:
    """Dispose the context of a caller outside :func:`invocation` (main() needs none)."""
    if _OUTSIDE.ctx is not None:
        _OUTSIDE.ctx.engine.dispose()
    _OUTSIDE.ctx = None


def read_input(path: str, limit: int) -> bytes:
    """An upload from a path or '-' (stdin), never reading past the limit. A file that
    cannot be read is an unusable file (exit 3), as the README's exit-code table says."""
    import sys

    try:
        size = None
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as fh:
                st = os.fstat(fh.fileno())
                size = st.st_size if stat.S_ISREG(st.st_mode) else None
                data = fh.read(limit + 1)
    except FileNotFoundError:
        raise _file_error(f"file {_shown(path)} not found", "file_not_found") from None
    except IsADirectoryError:
        raise _file_error(f"{_shown(path)} is a directory, not a file",
                          "is_a_directory") from None
    except PermissionError:
        raise _file_error(f"file {_shown(path)} cannot be read (permission denied)",
                          "permission_denied") from None
    except OSError as exc:
        raise _file_error(f"file {_shown(path)} cannot be read ({exc.strerror})",
                          "unreadable") from None
    if len(data) > limit:
        where = "standard input" if path == "-" else f"file {_shown(path)}"
        what = f"is {size:,} bytes" if size and size > limit else "is larger than that"
        raise _file_error(f"{where} {what}; the limit is {limit:,} bytes", "too_large")
    return data


def _shown(path: str) -> str:
    return path if len(path) <= 120 else path[:117] + "..."


def _file_error(message: str, reason: str) -> InvalidFile:
    exc = InvalidFile(message, field="file")
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


def read_text_input(path: str, limit: int) -> str:
    """:func:`read_input` for a text file (a password, known_hosts lines): UTF-8, or an
    unusable file (exit 3)."""
    try:
        return read_input(path, limit).decode()
    except UnicodeDecodeError:
        where = "standard input" if path == "-" else f"file {_shown(path)}"
        raise _file_error(f"{where} is not UTF-8 text", "not_utf8") from None


def read_secret_file(path: str, limit: int = 4096) -> str:
    """A password from a file (or '-'): its first line, which must not be empty."""
    text = read_text_input(path, limit).rstrip("\r\n")
    if not text.strip():
        where = "standard input" if path == "-" else f"file {_shown(path)}"
        raise _file_error(f"{where} holds no password (it is empty)", "empty")
    return text
