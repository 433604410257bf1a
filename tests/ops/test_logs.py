"""One logging setup: text on a terminal, JSON lines on request, journald priority prefixes
under systemd; errors carry a reason code; the access log never holds a query string."""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator

import pytest

from certyard.errors import NotFound
from certyard.ops.logs import AccessLog, configure_logging, resolve_format


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _emit(fmt: str, env: dict[str, str] | None = None) -> str:
    buf = io.StringIO()
    configure_logging(fmt, "debug", stream=buf, env=env or {}, reset=True)
    log = logging.getLogger("certyard.test")
    log.info("started", extra={"port": 8443})
    log.warning("slow peer")
    try:
        raise NotFound("certificate", 7)
    except NotFound:
        log.exception("request failed")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("unexpected")
    return buf.getvalue()


def test_text_format() -> None:
    out = _emit("text").splitlines()
    assert out[0].endswith("Z INFO certyard.test: started port=8443")
    assert "WARNING certyard.test: slow peer" in out[1]
    assert out[2].endswith("ERROR certyard.test: request failed reason=not_found")
    assert "Traceback" not in out[2] and "reason=internal" in out[3]
    assert any("RuntimeError: boom" in ln for ln in out[4:])  # a bug keeps its traceback


def test_json_format() -> None:
    recs = [json.loads(ln) for ln in _emit("json").splitlines()]
    assert recs[0]["msg"] == "started" and recs[0]["port"] == 8443
    assert recs[0]["level"] == "info" and recs[0]["ts"].endswith("Z")
    assert recs[2]["reason"] == "not_found" and "exc" not in recs[2]
    assert recs[3]["reason"] == "internal" and "RuntimeError: boom" in recs[3]["exc"]


def test_journal_format_has_priorities_and_no_timestamp() -> None:
    out = _emit("journal").splitlines()
    assert out[0] == "<6>certyard.test: started port=8443"
    assert out[1] == "<4>certyard.test: slow peer"
    assert out[2] == "<3>certyard.test: request failed reason=not_found"
    assert all(ln.startswith("<3>") for ln in out[3:])  # traceback lines keep the priority


def test_journal_is_the_default_only_on_the_journal_stream() -> None:
    with tempfile.TemporaryFile("w") as fh:
        st = os.fstat(fh.fileno())
        env = {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}
        assert resolve_format(None, stream=fh, env=env) == "journal"
        assert resolve_format(None, stream=fh, env={}) == "text"
        assert resolve_format(None, stream=fh, env={**env, "CERTYARD_LOG_FORMAT": "json"}
                              ) == "json"
        with tempfile.TemporaryFile("w") as other:  # a child whose stderr was redirected
            assert resolve_format(None, stream=other, env=env) == "text"


def test_bad_format_or_level_is_a_clear_error() -> None:
    from tests.support.cli import run_cli

    res = run_cli({}, "--log-format", "xml", "doctor", "--help")
    assert res.code == 2 and "log format 'xml' is not one of text, json, journal" in res.stderr
    res = run_cli({"CERTYARD_LOG_LEVEL": "loud"}, "install-service", "--dry-run",
                  "--prefix", "/x")
    assert res.code == 2 and "log level 'loud'" in res.stderr


async def _app(scope, receive, send):  # type: ignore[no-untyped-def]
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_access_log_has_no_query_string() -> None:
    import asyncio

    buf = io.StringIO()
    configure_logging("json", "info", stream=buf, env={}, reset=True)
    scope = {"type": "http", "method": "GET", "path": "/api/v1/certs",
             "query_string": b"token=s3cret", "client": ("127.0.0.1", 5)}

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request"}

    async def send(_msg):  # type: ignore[no-untyped-def]
        return None

    asyncio.run(AccessLog(_app)(scope, receive, send))
    rec = json.loads(buf.getvalue())
    assert rec["msg"] == "GET /api/v1/certs 204" and rec["logger"] == "certyard.access"
    assert "s3cret" not in buf.getvalue()


@pytest.mark.parametrize("fmt", ["text", "journal"])
def test_control_characters_cannot_forge_lines(fmt: str) -> None:
    buf = io.StringIO()
    configure_logging(fmt, "info", stream=buf, env={}, reset=True)
    forged = "x\r\n2026-11-30 00:00:00Z INFO certyard.auth: admin signed in\x1b[2J\x85\x00"
    logging.getLogger("certyard.test").warning("path %s", forged, extra={"who": "a\nb"})
    out = buf.getvalue()
    assert out.count("\n") == 1, out  # one record, one line
    assert "\x1b" not in out and "\r" not in out and "\x85" not in out and "\x00" not in out
    assert "x\\r\\n2026" in out and "\\x1b[2J\\x85\\x00" in out and "who=a\\nb" in out


def test_access_log_path_as_received() -> None:
    import asyncio

    buf = io.StringIO()
    configure_logging("text", "info", stream=buf, env={}, reset=True)
    # /a%3Fb decodes to "/a?b": the log must not show something that looks like a query.
    scope = {"type": "http", "method": "GET", "path": "/a?b\n\x1b", "raw_path": b"/a%3Fb%0A\x1b",
             "query_string": b"token=s3cret", "client": ("127.0.0.1", 5)}

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request"}

    async def send(_msg):  # type: ignore[no-untyped-def]
        return None

    asyncio.run(AccessLog(_app)(scope, receive, send))
    scope = {**scope, "raw_path": None}
    asyncio.run(AccessLog(_app)(scope, receive, send))
    first, second = buf.getvalue().splitlines()
    assert "GET /a%3Fb%0A\\x1b 204" in first and "?" not in first
    assert "GET /a%3Fb\\n\\x1b 204" in second and "?" not in second
    assert "s3cret" not in buf.getvalue()
