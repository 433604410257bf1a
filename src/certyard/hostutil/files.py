"""File writes every room relies on: atomic replace (temp file, fsync, rename, fsync of the
directory) so a half-written file never replaces a good one, and shredding of key files
(seed 002's message-file shredding level, 0-10 overwrite passes) before removal."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from certyard.errors import InvalidInput

__all__ = ["MAX_SHRED_PASSES", "atomic_write", "check_shred_passes", "shred_file"]

MAX_SHRED_PASSES = 10


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse O_RDONLY on directories
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644, sync: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically with the given mode. Returns False (and does
    not touch the file) when it already holds exactly these bytes and this mode, so callers
    can tell which files changed. ``sync=False`` skips the fsyncs (bulk exports that are
    rewritten as a whole if a crash interrupts them): still atomic, not durable."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        st = path.stat()
        if st.st_size == len(data) and (st.st_mode & 0o777) == mode \
                and path.read_bytes() == data:
            return False
    if path.is_dir():  # named here: os.replace would blame the temporary file
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    except OSError as exc:  # the user's path in the error, never the temporary name
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    try:
        os.fchmod(fd, mode)  # umask must not widen or narrow what we asked for
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    if sync:
        _fsync_dir(path.parent)
    return True


def check_shred_passes(passes: int) -> int:
    if not isinstance(passes, int) or isinstance(passes, bool) or not \
            0 <= passes <= MAX_SHRED_PASSES:
        raise InvalidInput(f"shredding passes must be a whole number from 0 to "
                           f"{MAX_SHRED_PASSES}, not {passes!r}", field="shred_passes")
    return passes


def shred_file(path: Path, *, passes: int) -> None:
    """Overwrite the file ``passes`` times with random bytes (each pass synced), then
    remove it. 0 passes is a plain unlink. A missing file is not an error."""
    check_shred_passes(passes)
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if passes and size:
        fd = os.open(path, os.O_WRONLY)
        try:
            for _ in range(passes):
                os.lseek(fd, 0, os.SEEK_SET)
                remaining = size
                while remaining:
                    chunk = os.urandom(min(remaining, 65536))
                    remaining -= os.write(fd, chunk)
                os.fsync(fd)
        finally:
            os.close(fd)
    path.unlink(missing_ok=True)
    _fsync_dir(path.parent)
