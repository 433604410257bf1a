"""Access-log records of OCSP fast-path answers, off the answer path.

Each fast answer gets the record the full path's ``AccessLog`` (``certyard.ops.logs``)
writes: logger ``certyard.access``, INFO, message ``METHOD PATH STATUS`` (the path as
received, never a query string: the fast path answers only requests without one), and
``listener``, ``client``, ``bytes`` (body), ``ms``. A hit only appends a tuple to a buffer;
the buffer is written at most ``FLUSH_AFTER`` seconds later, at once when ``MAX_WAITING``
are waiting, and when the listener closes, each record stamped with the time of its answer.

Writing a record the ordinary way (LogRecord, handler lock, formatter, one write and flush
per line) costs ~20 µs, as much as the answer itself. So when the records would go only to
certyard's own handler (``configure_logging``: no other handler or filter on the way), the
batch is formatted here, line for line what that handler's formatter prints (text, json or
journal; a test compares them), and written with one write. With anything else attached
(a test's capture, an operator's extra handler) each record goes through ``logging``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from certyard.ops.logs import JournalFormatter, JsonFormatter, TextFormatter, escape_controls

__all__ = ["AccessBuffer", "Logged"]

# (time, method, path, status, body bytes, client, seconds taken) of one fast answer
Logged = tuple[float, bytes, bytes, int, int, str, float]
_UTC = dt.timezone.utc
_NAME = "certyard.access"


class AccessBuffer:
    FLUSH_AFTER = 0.05
    MAX_WAITING = 512

    def __init__(self, listener: str) -> None:
        self.listener = listener
        self.log = logging.getLogger(_NAME)
        self.waiting: list[Logged] = []
        self._timer: asyncio.TimerHandle | None = None
        self._cache: dict[tuple[Any, ...], str] = {}

    def add(self, item: Logged) -> None:
        self.waiting.append(item)
        if len(self.waiting) >= self.MAX_WAITING:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.FLUSH_AFTER, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items, self.waiting = self.waiting, []
        if not items:
            return
        handler = _sole_handler(self.log)
        if handler is None:
            for item in items:
                self.log.handle(self.record(item))
            return
        lines = _format(items, self.listener, handler.formatter, self._cache)
        try:
            handler.acquire()
            try:
                handler.stream.write(lines)
                handler.flush()
            finally:
                handler.release()
        except Exception:  # as Handler.emit does: a broken stream must not stop answers
            handler.handleError(self.record(items[0]))

    def record(self, item: Logged) -> logging.LogRecord:
        """The LogRecord of one answer, as ``AccessLog`` would make it."""
        created, method, path, status, size, client, took = item
        record = self.log.makeRecord(
            _NAME, logging.INFO, __file__, 0, "%s %s %d",
            (method.decode("latin-1"), path.decode("latin-1"), status), None,
            extra={"listener": self.listener, "client": client or "-", "bytes": size,
                   "ms": round(took * 1000, 1)})
        record.created = created
        record.msecs = (created - int(created)) * 1000
        return record


def _sole_handler(log: logging.Logger) -> logging.StreamHandler[Any] | None:
    """certyard's handler when it alone would see the records (nothing else on the way)."""
    if log.disabled or log.filters:
        return None
    node: Any = log
    handlers: list[logging.Handler] = []
    while node is not None:
        if node is not log.root and (node.handlers or node.filters or node.disabled):
            return None
        handlers.extend(node.handlers)
        if not node.propagate:
            break
        node = node.parent
    if len(handlers) != 1:
        return None
    handler = handlers[0]
    if handler.get_name() != "certyard" or handler.filters or handler.level > logging.INFO \
            or not isinstance(handler, logging.StreamHandler) \
            or type(handler.formatter) not in (TextFormatter, JsonFormatter, JournalFormatter):
        return None
    return handler


_CACHE_MAX = 4096


def _format(items: list[Logged], listener: str, formatter: Any,
            cache: dict[tuple[Any, ...], str] | None = None) -> str:
    """The lines ``formatter`` prints for these records. ``cache`` keeps each distinct
    (method, path, status, bytes, client)'s rendered middle: relying parties ask about the
    same certificates again and again, so most lines cost a lookup and the time."""
    kind = type(formatter)
    json_kind = kind is JsonFormatter
    journal = kind is JournalFormatter
    cache = {} if cache is None else cache
    if len(cache) > _CACHE_MAX:
        cache.clear()
    out: list[str] = []
    second, stamp = -1, ""
    for created, method, path, status, size, client, took in items:
        key = (kind, method, path, status, size, client)
        middle = cache.get(key)
        if middle is None:
            middle = cache[key] = _middle(json_kind, listener, method, path, status, size,
                                          client)
        # round(ms, 1) is slow and most fast answers take under 50 µs: "0.0"
        ms = "0.0" if took < 0.00005 else repr(round(took * 1000, 1))
        if journal:
            out.append(f"<6>{middle}{ms}")
            continue
        at = int(created)
        if created - at >= 0.9999995:  # rounds up into the next second
            at, micro = _split(created)
        elif json_kind:
            micro = round((created - at) * 1e6)
        if at != second:
            second = at
            stamp = dt.datetime.fromtimestamp(at, _UTC).strftime(
                '{"ts":"%Y-%m-%dT%H:%M:%S' if json_kind else "%Y-%m-%d %H:%M:%SZ INFO ")
        if json_kind:  # json.dumps(separators=(",", ":")) of the formatter's document
            out.append(f'{stamp}.{micro // 1000:03d}Z"{middle}{ms}}}')
        else:
            out.append(f"{stamp}{middle}{ms}")
    return "\n".join(out) + "\n"


def _middle(json_kind: bool, listener: str, method: bytes, path: bytes, status: int,
            size: int, client: str) -> str:
    """A line from after the time up to the value of ``ms``."""
    msg = f"{method.decode('latin-1')} {path.decode('latin-1')} {status}"
    if json_kind:
        text = encode_basestring_ascii
        return (f',"level":"info","logger":"{_NAME}","msg":{text(msg)},"listener":'
                f'{text(listener)},"client":{text(client or "-")},"bytes":{size!r},"ms":')
    return (f"{_NAME}: {escape_controls(msg)} listener={escape_controls(listener)} "
            f"client={escape_controls(client or '-')} bytes={size} ms=")


def _split(created: float) -> tuple[int, int]:
    """(second, microsecond) as ``datetime.fromtimestamp`` takes a float apart: the
    fraction rounded half-even to whole microseconds, carried into the second."""
    at = math.floor(created)
    micro = round((created - at) * 1e6)
    if micro >= 1_000_000:
        at, micro = at + 1, micro - 1_000_000
    return at, micro
