"""Terminal interaction shared by commands: confirmation of destructive actions, binary
output that never lands on a terminal, and progress for long work.

Errors raised here are the CLI's own (usage, abort); main() turns them into one line
and the README's exit code."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

__all__ = ["Aborted", "UsageProblem", "confirm", "interactive", "progress", "set_quiet",
           "working", "write_output"]

_QUIET = False


class UsageProblem(Exception):
    """The command line cannot be carried out as typed (exit 2)."""

    exit_code = 2
    code = "usage"


class Aborted(Exception):
    """The person at the terminal said no (exit 1); nothing was changed."""

    exit_code = 1
    code = "aborted"


def set_quiet(quiet: bool) -> None:
    """--json (or output for a script) turns progress off for the whole run."""
    global _QUIET
    _QUIET = quiet


def interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def confirm(question: str, *, yes: bool, action: str | None = None) -> None:
    """Ask before a destructive action. --yes skips the question; without a terminal
    (and no --yes) nothing is done and the command exits 2 saying to use --yes.
    ``action`` names what --yes would do ("delete certificate 42"); by default the
    question itself, when it is a short one ("Remove node sub1?")."""
    if yes:
        return
    if not interactive():
        q = question.strip().rstrip("?").strip()
        act = action or (q[:1].lower() + q[1:] if ". " not in q and "; " not in q
                         else "go ahead")
        raise UsageProblem(f"no terminal to confirm on: add --yes to {act}")
    if not typer.confirm(question, default=False):
        raise Aborted("aborted; nothing was changed")


def write_output(data: bytes, output: str | Path | None, *, binary: bool,
                 what: str = "the output") -> None:
    """Write to -o FILE (atomically) or stdout. Binary data (DER, PKCS#7) is never
    written to a terminal: that needs -o or a redirect."""
    if output:
        _write_atomically(Path(output), data)
        from certyard.cli.output import err

        err(f"Wrote {output} ({len(data):,} bytes).")
        return
    if binary and _stdout_is_terminal():
        raise UsageProblem(f"{what} is binary and standard output is a terminal; "
                           "write it with -o FILE or redirect it (> FILE)")
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _write_atomically(path: Path, data: bytes) -> None:
    from certyard.hostutil.files import atomic_write

    atomic_write(path, data, mode=0o600)


def _progress_on() -> bool:
    if _QUIET:
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def working(label: str) -> Iterator[None]:
    """A spinner on stderr while long work runs; silent when piped or with --json."""
    if not _progress_on():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(label):
        yield


@contextlib.contextmanager
def progress(label: str) -> Iterator[Callable[[int, int, str], None] | None]:
    """A bar on stderr for work that counts (done, total, current item); yields None when
    piped or with --json so services skip their reporting."""
    if not _progress_on():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[item]}"), console=Console(stderr=True),
                  transient=True) as bar:
        task = bar.add_task(label, total=None, item="")

        def update(done: int, total: int, current: str) -> None:
            bar.update(task, completed=done, total=total, item=current)

        yield update
