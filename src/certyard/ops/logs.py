"""One logging setup for ``certyard serve``, the agent and every CLI command.

Formats (``--log-format`` / ``CERTYARD_LOG_FORMAT``):

- ``text``: for a terminal: ``2026-11-30 15:04:44Z WARNING certyard.server: message``;
- ``json``: one JSON object per line (``ts``, ``level``, ``logger``, ``msg``, ``reason``,
  the record's extra fields, ``exc`` with the traceback);
- ``journal``: for journald (the default when stderr is the journal stream systemd hands
  over in ``JOURNAL_STREAM``): no timestamp (journald stamps each line) and a ``<N>``
  syslog priority prefix on every line, so ``journalctl -p err`` filters by level.

Levels (``--log-level`` / ``CERTYARD_LOG_LEVEL``): ``debug``, ``info`` (default for the
server and the agent), ``warning`` (default for other CLI commands), ``error``,
``critical``.

Every record at ERROR or above carries a reason code: the ``reason`` given in ``extra``,
else the typed error's ``reason``/``code`` when one is attached, else ``internal`` for an
unexpected exception, else ``error``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO

__all__ = ["CLIENT_CLOSED", "FORMATS", "LEVELS", "AccessLog", "configure_logging",
           "escape_controls", "reason_of", "resolve_format"]

FORMATS = ("text", "json", "journal")
LEVELS = ("debug", "info", "warning", "error", "critical")
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6,
             logging.DEBUG: 7}
_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime",
                                                                         "taskName"}
_HANDLER_NAME = "certyard"
_GIVEN: dict[str, str] = {}


def reason_of(record: logging.LogRecord) -> str | None:
    """The reason code of an error record (None below ERROR unless one was given)."""
    given = getattr(record, "reason", None)
    if given:
        return str(given)
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None:
        from certyard.errors import CertyardError

        if isinstance(exc, CertyardError):
            return str(getattr(exc, "reason", None) or exc.code)
        return "internal"
    return "error" if record.levelno >= logging.ERROR else None


# C0 controls, DEL and C1 controls: a CR/LF in a logged value would start a forged line, an
# ESC would drive the operator's terminal. Text and journal lines show them escaped.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7f, 0xa0))}
_CONTROLS.update({0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t"})


def escape_controls(text: str) -> str:
    """``text`` with every control character (and backslash) shown as an escape."""
    if text.isprintable() and "\\" not in text:
        return text
    return text.replace("\\", "\\\\").translate(_CONTROLS)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STD and k != "reason"}


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
        line = (f"{ts:%Y-%m-%d %H:%M:%S}Z {record.levelname} {record.name}: "
                f"{escape_controls(record.getMessage())}")
        fields = _extras(record)
        reason = reason_of(record)
        if reason:
            fields = {"reason": reason, **fields}
        if fields:
            line += " " + " ".join(f"{k}={escape_controls(str(v))}"
                                   for k, v in fields.items())
        if record.exc_info and record.levelno >= logging.ERROR and reason == "internal":
            line += "\n" + self.formatException(record.exc_info)
        return line


class JournalFormatter(TextFormatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{_PRIORITY.get(record.levelno, 6)}>"
        # journald stamps each line and the prefix carries the level
        text = super().format(record).split(" ", 3)[3]
        return "\n".join(prefix + line for line in text.splitlines())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(), "logger": record.name,
            "msg": record.getMessage()}
        reason = reason_of(record)
        if reason:
            doc["reason"] = reason
        doc.update(_extras(record))
        if record.exc_info and reason == "internal":
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, separators=(",", ":"))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (the CLI's tests
    swap it per command)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _under_journal(stream: TextIO, env: MutableMapping[str, str]) -> bool:
    """True when ``stream`` is the journal stream systemd connected (``JOURNAL_STREAM`` is
    ``device:inode`` of it), so a child with redirected stderr does not claim it."""
    value = env.get("JOURNAL_STREAM", "")
    if ":" not in value:
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    dev, _, ino = value.partition(":")
    return dev.isdigit() and ino.isdigit() and (st.st_dev, st.st_ino) == (int(dev), int(ino))


def resolve_format(fmt: str | None = None, *, stream: TextIO | None = None,
                   env: MutableMapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    chosen = (fmt or env.get("CERTYARD_LOG_FORMAT") or "").strip().lower()
    if chosen:
        if chosen not in FORMATS:
            from certyard.errors import InvalidInput

            raise InvalidInput(f"log format {chosen!r} is not one of {', '.join(FORMATS)}",
                               field="log_format")
        return chosen
    return "journal" if _under_journal(stream or sys.stderr, env) else "text"


def configure_logging(fmt: str | None = None, level: str | None = None, *,
                      default_level: str = "warning", stream: TextIO | None = None,
                      env: MutableMapping[str, str] | None = None,
                      reset: bool = False) -> str:
    """Install the one certyard handler on the root logger (replacing a previous one);
    returns the format in force. Safe to call again, e.g. when ``serve`` raises the level."""
    env = os.environ if env is None else env
    if reset:
        _GIVEN.clear()
    # Options given on the command line hold for later calls (serve raises the default).
    fmt = fmt or _GIVEN.get("fmt")
    level = level or _GIVEN.get("level")
    _GIVEN.update({k: v for k, v in (("fmt", fmt), ("level", level)) if v})
    chosen = resolve_format(fmt, stream=stream or sys.stderr, env=env)
    lvl = (level or env.get("CERTYARD_LOG_LEVEL") or default_level).strip().lower()
    if lvl not in LEVELS:
        from certyard.errors import InvalidInput

        raise InvalidInput(f"log level {lvl!r} is not one of {', '.join(LEVELS)}",
                           field="log_level")
    handler: logging.StreamHandler[Any] = (logging.StreamHandler(stream) if stream
                                           else _StderrHandler())
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter({"text": TextFormatter, "json": JsonFormatter,
                          "journal": JournalFormatter}[chosen]())
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(lvl.upper())
    # Alembic's per-connection chatter ("Context impl ...") and httpx's line per request
    # (full URL, query string included) are for debugging only.
    for noisy in ("alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if lvl == "debug" else logging.WARNING)
    # uvicorn's own handlers would print a second, differently formatted copy; its access
    # log carries query strings, so ours (AccessLog) replaces it.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = name != "uvicorn.access"
    logging.getLogger("uvicorn.access").disabled = True
    return chosen


_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
# A request whose client closed the connection before any answer was started (a body cut
# short, an Expect: 100-continue never followed): logged as nginx does, not as a 5xx.
CLIENT_CLOSED = 499


class AccessLog:
    """ASGI middleware: one INFO record per HTTP request on ``certyard.access`` with the
    method, the path *without* its query string, status, size, duration and client
    address. Headers, cookies and bodies are never logged. The path is the one received
    (still percent-encoded), so an encoded ``%3F`` never looks like a query string; the
    formatters escape control characters. A client that closed before any answer was
    started is logged as ``499`` (:data:`CLIENT_CLOSED`), not as a server error."""

    def __init__(self, app: Any, *, listener: str = "https") -> None:
        self.app = app
        self.listener = listener
        self.log = logging.getLogger("certyard.access")

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any,
                       send: _Send) -> None:
        if scope.get("type") != "http" or not self.log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        seen: dict[str, int] = {"status": 0, "bytes": 0}

        async def wrapped(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                if not seen["status"]:
                    seen["status"] = int(message["status"])
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        async def watching() -> Any:
            message = await receive()
            if message["type"] == "http.disconnect" and not seen["status"]:
                seen["status"] = CLIENT_CLOSED  # gone before any answer was started
            return message

        try:
            await self.app(scope, watching, wrapped)
        finally:
            client = scope.get("client") or ("-", 0)
            raw = scope.get("raw_path")
            path = (raw.decode("latin-1").partition("?")[0] if isinstance(raw, bytes)
                    else str(scope.get("path", "/")).replace("?", "%3F"))
            # No answer started: the client closed first (499, as nginx logs it; not a
            # server error), else the app ended without one (the server answers 500).
            self.log.info("%s %s %d", scope.get("method", "-"), path,
                          seen["status"] or 500, extra={
                              "listener": self.listener, "client": client[0],
                              "bytes": seen["bytes"],
                              "ms": round((time.perf_counter() - start) * 1000, 1)})
