"""The fast path's batched access-log lines are, line for line, what certyard's handler
prints for the same record (text, json, journal), control characters escaped; the batch
goes out in one write when certyard's handler is the only one, and through ``logging``
record by record when anything else is attached."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from certyard.ops.logs import configure_logging
from certyard.server.ocsp_access import AccessBuffer, Logged, _format

ITEMS: list[Logged] = [
    (1_764_536_400.0, b"GET", b"/ocsp/MFQwUjBQ%2FMA0GCSqGSIb3DQEBAQUA%3D", 200, 1523,
     "127.0.0.1", 0.0000412),
    (1_764_536_400.9999996, b"HEAD", b"/ocsp/AAAA", 200, 0, "::1", 0.00005),  # rounds up
    (1_764_536_401.0004999, b"POST", b"/ocsp", 304, 0, "", 0.0),
    (1_764_536_401.0495, b"GET", b"/ocsp/AAAA", 200, 7, "::1", 0.00004999),  # "0.0" shortcut
    (1_764_536_401.9994999, b"GET", b"/ocsp/AAAA", 200, 7, "::1", 0.00005),
    (1_764_536_462.123456, b"GET", b"/ocsp/\x1b[31m\r\nforged \xe9\\x", 200, 9, "10.0.0.1",
     0.1234),
]


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _certyard_handler() -> logging.StreamHandler[io.StringIO]:
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "certyard"]
    assert isinstance(handler, logging.StreamHandler)
    return handler


@pytest.mark.parametrize("fmt", ["text", "json", "journal"])
def test_lines_are_what_the_formatter_prints(fmt: str) -> None:
    configure_logging(fmt, "info", stream=io.StringIO(), env={}, reset=True)
    handler = _certyard_handler()
    buf = AccessBuffer("http")
    expected = [handler.format(buf.record(item)) for item in ITEMS]
    assert _format(ITEMS, "http", handler.formatter).splitlines() == expected
    cache: dict[tuple[object, ...], str] = {}  # the second time from the cache: the same
    assert _format(ITEMS, "http", handler.formatter, cache).splitlines() == expected
    assert _format(ITEMS, "http", handler.formatter, cache).splitlines() == expected
    assert len(cache) == len({item[1:6] for item in ITEMS})
    assert "\x1b" not in "".join(expected) and "forged" in expected[-1]


def test_one_write_when_certyard_alone_else_through_logging() -> None:
    out = io.StringIO()
    configure_logging("text", "info", stream=out, env={}, reset=True)
    root = logging.getLogger()
    others = [h for h in root.handlers if h.get_name() != "certyard"]
    handler = _certyard_handler()
    buf = AccessBuffer("http")
    writes: list[str] = []
    real_write = out.write

    def counting(text: str) -> int:
        writes.append(text)
        return real_write(text)

    out.write = counting  # type: ignore[method-assign]
    root.handlers[:] = [handler]  # as under certyard serve (no test capture attached)
    buf.waiting.extend(ITEMS)
    buf.flush()
    assert len(writes) == 1 and len(out.getvalue().splitlines()) == len(ITEMS)
    seen: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    root.handlers[:] = [handler, Capture(), *others]
    buf.waiting.extend(ITEMS)
    buf.flush()
    assert len(seen) == len(ITEMS) and len(writes) == 1 + len(ITEMS)
    assert [r.getMessage().split()[0] for r in seen] == ["GET", "HEAD", "POST", "GET", "GET",
                                                         "GET"]
    lines = out.getvalue().splitlines()
    assert lines[:len(ITEMS)] == lines[len(ITEMS):]
