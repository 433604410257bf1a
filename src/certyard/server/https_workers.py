"""Extra HTTPS worker processes: ``certyard serve --https-workers N`` (N-1 of them).

One Python process is CPU-bound on one core; the HTTPS app (web UI, REST API, ACME) scales
to more cores by running in N processes that each bind the HTTPS port with
``SO_REUSEPORT`` (the kernel spreads new connections over them; it lets only processes of
the same user join the group). Each worker runs the same app as the parent: uvicorn on
uvloop with httptools, the same guards and limits, TLS from the same reloader. The parent
alone runs the background jobs and the plain-HTTP/OCSP listener.

The parent (:class:`HttpsWorkers`):

* starts the workers with two pipes: a *lifeline* (a worker that reads end-of-file on it
  knows the parent is gone and shuts down, so no orphan keeps the port) and a *ready* pipe
  on which each worker writes its PID once its socket accepts; the parent announces
  READY to systemd only when every worker did;
* forwards SIGTERM/SIGINT (each worker drains exactly as the parent: readiness 503,
  ``--drain-seconds``, in-flight requests finish within ``--grace-seconds``) and SIGHUP
  (each worker reloads its TLS material). A worker drains on SIGTERM/SIGINT from anyone
  and never escalates on a repeated one (systemd stops a service by signalling its whole
  control group, a terminal's Ctrl-C reaches the whole process group, so the parent's
  copy is often the second); the parent's own second signal becomes SIGUSR2 for the
  workers: stop at once;
* restarts a worker that exits while serving, after a back-off (1 s, doubled after each
  exit within 30 s of starting, at most 30 s), logging each exit and restart.

    python -m certyard.server.https_workers --host H --port P --http-port Q --count N \
        --lifeline-fd R --ready-fd W

reads the same environment (CERTYARD_HOME, CERTYARD_DATABASE_URL...) as the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

__all__ = ["HttpsWorkers"]

log = logging.getLogger("certyard.server")

FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STABLE_SECONDS = 30.0  # a worker that lived this long resets the back-off
EXIT_NOW = signal.SIGUSR2  # from the parent: stop without waiting for in-flight requests


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


class HttpsWorkers:
    """The parent's side: start, watch, signal and stop ``count`` HTTPS workers."""

    def __init__(self, count: int, *, host: str, port: int, drain_seconds: float,
                 grace_seconds: float, reload_every: float, http_port: int = 0) -> None:
        self.count = count
        self.grace_seconds = grace_seconds
        self.drain_seconds = drain_seconds
        self.args = ["--host", host, "--port", str(port), "--http-port", str(http_port),
                     "--count", str(count + 1), "--drain-seconds",
                     repr(drain_seconds), "--grace-seconds", repr(grace_seconds),
                     "--reload-every", repr(reload_every)]
        self.slots = [_Slot() for _ in range(count)]
        self.ready: set[int] = set()
        self.stopping = False
        self._lifeline_r, self._lifeline_w = os.pipe()
        self._ready_r, self._ready_w = os.pipe()
        os.set_blocking(self._ready_r, False)
        self._partial = b""

    # -- starting and watching -------------------------------------------------------------
    def start(self) -> None:
        for slot in self.slots:
            self._spawn(slot)

    def _spawn(self, slot: _Slot) -> None:
        from certyard.server.ocsp_workers import _logging_env

        # Only the serve process speaks to systemd (NotifyAccess=main in the unit).
        env = {k: v for k, v in os.environ.items()
               if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
        env |= _logging_env()
        slot.proc = subprocess.Popen(
            [sys.executable, "-m", "certyard.server.https_workers", *self.args,
             "--lifeline-fd", str(self._lifeline_r), "--ready-fd", str(self._ready_w)],
            env=env, stdin=subprocess.DEVNULL, pass_fds=(self._lifeline_r, self._ready_w))
        slot.started = time.monotonic()
        slot.restart_at = None
        slot.history.append(slot.proc.pid)

    def read_ready(self) -> None:
        """Collect the PIDs the workers wrote once their sockets accept."""
        while True:
            try:
                chunk = os.read(self._ready_r, 4096)
            except BlockingIOError:
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
        """Notice exited workers and start their replacements when their back-off ends."""
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
                log.warning("HTTPS worker %d stopped (%s); starting another in %g s",
                            proc.pid, _exit_text(code), slot.backoff,
                            extra={"reason": "worker_exited", "pid": proc.pid})
            elif slot.restart_at is not None and now >= slot.restart_at:
                self._spawn(slot)
                assert slot.proc is not None
                log.info("HTTPS worker %d started in place of %d", slot.proc.pid,
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
                log.warning("HTTPS worker %d did not stop in time; killed", slot.proc.pid,
                            extra={"reason": "worker_killed"})
                slot.proc.kill()
                slot.proc.wait()
        for fd in (self._lifeline_r, self._lifeline_w, self._ready_r, self._ready_w):
            try:
                os.close(fd)
            except OSError:
                pass


# -- the worker process ------------------------------------------------------------------------
def _name_records(pid: int) -> None:
    """Every record of a worker (its access-log lines too) carries ``worker=PID``, so an
    administrator can tell the processes apart in one log."""

    def stamp(record: logging.LogRecord) -> bool:
        record.worker = pid
        return True

    for handler in logging.getLogger().handlers:
        handler.addFilter(stamp)


async def _worker(args: argparse.Namespace) -> None:
    import uvicorn

    from certyard.context import open_context
    from certyard.http.tls import TlsReloader
    from certyard.ops.logs import configure_logging
    from certyard.server.app import create_app
    from certyard.server.health import ServerState
    from certyard.server.https_listener import (
        Shutdown,
        https_config,
        reload_tls,
        settle_heap,
        watch_tls,
    )
    from certyard.server.ocsp_workers import reuseport_socket

    configure_logging(default_level="info")  # as the parent: CERTYARD_LOG_* from it
    _name_records(os.getpid())
    ctx = open_context(create=False)
    loop = asyncio.get_running_loop()
    try:
        state = ServerState(tls_loaded=False)
        reloader = TlsReloader(ctx)
        state.tls_loaded = True
        # What the Settings page shows: the listeners of the whole `serve`, as the parent.
        state.listeners = {"host": args.host, "https_port": args.port,
                           "http_port": args.http_port, "https_workers": args.count}
        cfg = https_config(create_app(ctx, state=state), args.host, args.port,
                           args.grace_seconds)
        cfg.ssl = reloader.live
        srv = uvicorn.Server(cfg)
        shutdown = Shutdown(state, [srv], args.drain_seconds)

        def drain() -> None:
            # Whoever sends it: systemd signals the whole control group and a terminal the
            # whole process group, so the parent's forwarded copy may be the second one.
            if not state.draining:
                shutdown()

        def exit_now() -> None:  # the parent's second stop signal
            drain()
            shutdown()

        pending: set[asyncio.Task[object]] = set()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, drain)
        loop.add_signal_handler(EXIT_NOW, exit_now)
        loop.add_signal_handler(signal.SIGHUP, lambda: pending.add(
            loop.create_task(reload_tls(reloader, announce=False))))

        def parent_gone() -> None:
            try:
                data = os.read(args.lifeline_fd, 1)
            except OSError:
                data = b""
            if not data:  # end of file: the parent exited without stopping us
                loop.remove_reader(args.lifeline_fd)
                log.warning("HTTPS worker %d: the serve process is gone; stopping",
                            os.getpid(), extra={"reason": "parent_gone"})
                drain()

        loop.add_reader(args.lifeline_fd, parent_gone)

        async def announce() -> None:
            while not srv.started:
                if srv.should_exit:
                    return
                await asyncio.sleep(0.02)
            os.write(args.ready_fd, f"{os.getpid()}\n".encode())

        tasks = [loop.create_task(announce()),
                 loop.create_task(watch_tls(reloader, args.reload_every,
                                            lambda: state.draining))]
        settle_heap()
        try:
            await srv._serve(sockets=[reuseport_socket(args.host, args.port)])
        finally:
            for task in tasks:
                task.cancel()
    finally:
        ctx.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    from certyard.server.ocsp_workers import run_event_loop

    parser = argparse.ArgumentParser(prog="certyard-https-worker")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--count", type=int, default=2)
    parser.add_argument("--drain-seconds", type=float, default=0.0)
    parser.add_argument("--grace-seconds", type=float, default=30.0)
    parser.add_argument("--reload-every", type=float, default=3.0)
    parser.add_argument("--lifeline-fd", type=int, required=True)
    parser.add_argument("--ready-fd", type=int, required=True)
    args = parser.parse_args(argv)
    # Until the loop's handlers are in place, SIGTERM and SIGINT stop the worker at once and
    # SIGHUP is ignored (the periodic TLS check picks up what it asked for).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    run_event_loop(_worker(args))


if __name__ == "__main__":
    main()
