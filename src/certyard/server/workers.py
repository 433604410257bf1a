"""Supervising the extra worker processes of ``certyard serve``: one mechanism for both
kinds, the HTTPS workers (``--https-workers``, ``server/https_workers.py``) and the OCSP
workers (``--ocsp-workers``, ``server/ocsp_workers.py``). Each shares its port with the
serve process through ``SO_REUSEPORT``.

The parent's side, :class:`WorkerPool`:

* starts each worker with two pipes: a *lifeline* (a worker that reads end-of-file on it
  knows the parent is gone, even after ``kill -9``, and stops by itself, so no orphan keeps
  the port) and a *ready* pipe on which each worker writes its PID once its socket accepts;
  the parent announces READY to systemd only when every worker did;
* forwards signals: SIGTERM/SIGINT (each worker drains as the parent does and never
  escalates on a repeated one: systemd signals the whole control group and a terminal's
  Ctrl-C the whole process group, so the parent's copy is often the second); the parent's
  own second signal becomes ``EXIT_NOW`` (SIGUSR2): stop at once; SIGHUP (each kind does
  what a reload means for it);
* notices a worker that exited while serving (it is reaped: no zombie), logs it with its
  exit reason and starts another after a back-off (1 s, doubled after each exit within
  30 s of starting, at most 30 s).

The worker's side: :func:`worker_lifeline`, :func:`say_ready`, :func:`name_records`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXIT_NOW", "FIRST_BACKOFF", "MAX_BACKOFF", "STABLE_SECONDS", "WorkerPool",
           "logging_env", "name_records", "reuseport_socket", "run_event_loop", "say_ready",
           "worker_lifeline"]

log = logging.getLogger("certyard.server")

FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STABLE_SECONDS = 30.0  # a worker that lived this long resets the back-off
EXIT_NOW = signal.SIGUSR2  # from the parent: stop without waiting for in-flight requests


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket other processes may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def run_event_loop(coro: Any) -> Any:
    """Run ``coro`` on uvloop: the one stack certyard declares and measures (no silent
    fallback to asyncio's loop; a missing uvloop is an install error)."""
    import uvloop

    return uvloop.run(coro)


def logging_env() -> dict[str, str]:
    """The log format and level in force here (``serve --log-format/--log-level`` too), for
    a worker to log its records the same way."""
    from certyard.ops.logs import LEVELS, JournalFormatter, JsonFormatter

    root = logging.getLogger()
    level = logging.getLevelName(root.level).lower()
    env = {"CERTYARD_LOG_LEVEL": level} if level in LEVELS else {}
    for handler in root.handlers:
        if handler.get_name() == "certyard":
            fmt = handler.formatter
            env["CERTYARD_LOG_FORMAT"] = ("journal" if isinstance(fmt, JournalFormatter) else
                                          "json" if isinstance(fmt, JsonFormatter) else "text")
    return env


@dataclass
class _Slot:
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None
    history: list[int] = field(default_factory=list)  # PIDs this slot has run


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class WorkerPool:
    """The parent's side: start, watch, signal and stop ``count`` workers running
    ``python -m MODULE ARGS --lifeline-fd R --ready-fd W``. ``kind`` names them in logs."""

    kind = "worker"
    module = ""

    def __init__(self, count: int, args: list[str], *, drain_seconds: float,
                 grace_seconds: float) -> None:
        self.count = count
        self.args = args
        self.drain_seconds = drain_seconds
        self.grace_seconds = grace_seconds
        self.slots = [_Slot() for _ in range(count)]
        self.ready: set[int] = set()
        self.stopping = False
        self._lifeline_r, self._lifeline_w = os.pipe()  # not inherited but by pass_fds
        self._ready_r, self._ready_w = os.pipe()
        os.set_blocking(self._ready_r, False)
        self._partial = b""

    # -- starting and watching -------------------------------------------------------------
    def start(self) -> None:
        for slot in self.slots:
            self._spawn(slot)

    def _spawn(self, slot: _Slot) -> None:
        # Only the serve process speaks to systemd (NotifyAccess=main in the unit).
        env = {k: v for k, v in os.environ.items()
               if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
        env |= logging_env()
        slot.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args,
             "--lifeline-fd", str(self._lifeline_r), "--ready-fd", str(self._ready_w)],
            env=env, stdin=subprocess.DEVNULL, pass_fds=(self._lifeline_r, self._ready_w))
        slot.started = time.monotonic()
        slot.restart_at = None
        slot.history.append(slot.proc.pid)

    def pids(self) -> set[int]:
        return {s.proc.pid for s in self.slots if s.proc is not None and s.proc.poll() is None}

    def read_ready(self) -> None:
        """Collect the PIDs the workers wrote once their sockets accept."""
        while True:
            try:
                chunk = os.read(self._ready_r, 4096)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            data = self._partial + chunk
            *lines, self._partial = data.split(b"\n")
            for line in lines:
                if line.strip().isdigit():
                    self.ready.add(int(line))

    def all_ready(self) -> bool:
        self.read_ready()
        return all(s.proc is not None and s.proc.pid in self.ready
                   and s.proc.poll() is None for s in self.slots)

    def check(self, now: float | None = None) -> None:
        """Notice exited workers (``poll`` reaps them) and start their replacements when
        their back-off ends."""
        if self.stopping:
            return
        now = time.monotonic() if now is None else now
        self.read_ready()
        for slot in self.slots:
            proc = slot.proc
            if proc is not None and slot.restart_at is None:
                code = proc.poll()
                if code is None:
                    continue
                self.ready.discard(proc.pid)
                if now - slot.started >= STABLE_SECONDS:
                    slot.backoff = FIRST_BACKOFF
                elif len(slot.history) > 1:  # a restart that did not hold: wait longer
                    slot.backoff = min(slot.backoff * 2, MAX_BACKOFF)
                slot.restart_at = now + slot.backoff
                log.warning("%s worker %d stopped (%s); starting another in %g s",
                            self.kind, proc.pid, _exit_text(code), slot.backoff,
                            extra={"reason": "worker_exited", "pid": proc.pid})
            elif slot.restart_at is not None and now >= slot.restart_at:
                self._spawn(slot)
                assert slot.proc is not None
                log.info("%s worker %d started in place of %d", self.kind, slot.proc.pid,
                         slot.history[-2], extra={"pid": slot.proc.pid})

    # -- signals and stopping ----------------------------------------------------------------
    def forward(self, sig: int) -> None:
        for slot in self.slots:
            if slot.proc is not None and slot.proc.poll() is None:
                try:
                    slot.proc.send_signal(sig)
                except ProcessLookupError:
                    pass

    def begin_stop(self) -> None:
        """The serve process got SIGTERM/SIGINT: the first one drains every worker (SIGTERM;
        repeated ones do not escalate), a second one stops them at once (``EXIT_NOW``).
        No more replacements are started."""
        self.forward(EXIT_NOW if self.stopping else signal.SIGTERM)
        self.stopping = True

    def stop(self) -> None:
        """Wait for every worker (SIGTERM first unless :meth:`begin_stop` sent it), kill
        what is still running past drain + grace + 10 s. Closes the pipes."""
        if not self.stopping:
            self.begin_stop()
        deadline = time.monotonic() + self.drain_seconds + self.grace_seconds + 10
        for slot in self.slots:
            if slot.proc is None:
                continue
            try:
                slot.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s worker %d did not stop in time; killed", self.kind,
                            slot.proc.pid, extra={"reason": "worker_killed"})
                slot.proc.kill()
                slot.proc.wait()
        for fd in (self._lifeline_r, self._lifeline_w, self._ready_r, self._ready_w):
            try:
                os.close(fd)
            except OSError:
                pass


# -- the worker's side --------------------------------------------------------------------------
def name_records(pid: int) -> None:
    """Every record of a worker (its access-log lines too) carries ``worker=PID``, so an
    administrator can tell the processes apart in one log."""

    def stamp(record: logging.LogRecord) -> bool:
        record.worker = pid
        return True

    for handler in logging.getLogger().handlers:
        handler.addFilter(stamp)


def worker_lifeline(loop: asyncio.AbstractEventLoop, fd: int, kind: str,
                    on_gone: Callable[[], None]) -> None:
    """Call ``on_gone`` once the lifeline pipe reads end-of-file: the serve process exited
    (however it died) without stopping this worker."""

    def readable() -> None:
        try:
            data = os.read(fd, 1)
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(fd)
            log.warning("%s worker %d: the serve process is gone; stopping", kind,
                        os.getpid(), extra={"reason": "parent_gone"})
            on_gone()

    loop.add_reader(fd, readable)


def say_ready(fd: int) -> None:
    """Tell the parent this worker's socket accepts (its PID on the ready pipe)."""
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
    except OSError:  # the parent is gone: the lifeline stops this worker
        pass
