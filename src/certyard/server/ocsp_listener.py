"""The plain-HTTP listener: an ``asyncio.Protocol`` with ``httptools`` that answers OCSP
from the pre-signed set without the web framework, and hands every other request to the
full ASGI application (CRL and CA downloads, health, the HTTPS redirect, and OCSP requests
that need work: a nonce, a SHA-2 CertID, an unknown issuer or serial, a malformed body).

Fast path (RFC 6960 A.1 and RFC 5019): ``GET``/``HEAD /ocsp/<base64 request>`` and
``POST /ocsp``, nonce-free, for a certificate whose response is pre-signed. Answers carry
``ETag``, ``Last-Modified`` (thisUpdate), ``Expires`` (nextUpdate) and ``Cache-Control:
public, no-transform, must-revalidate, max-age=`` the seconds left until nextUpdate;
``If-None-Match`` / ``If-Modified-Since`` get ``304 Not Modified``.

Access log: every fast-path answer gets the record the full path's ``AccessLog`` writes
(``certyard.access``, INFO: method, path without query string, status, body bytes,
listener, client, ms), written in batches off the answer path (``ocsp_access``).

Bounds: a request (line, headers and body) must arrive within ``header_timeout`` seconds
of the connection opening or of the previous answer; bodies over ``max_body`` bytes get
413; at most ``max_connections`` connections in total and ``max_per_source`` from one
address (beyond them a new connection is closed at once). The pre-signed set is bounded by
the certificates issued.
"""

from __future__ import annotations

import asyncio
import binascii
import collections
import email.utils
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

import httptools

from certyard.ca.ocsp_fast import Entry, PresignedSet
from certyard.server.ocsp_access import AccessBuffer

__all__ = ["FastPathServer", "OcspProtocol"]

_B64URL = bytes.maketrans(b"-_", b"+/")
_MAX_OCSP_REQUEST = 16 * 1024
_STATUS = {200: b"OK", 301: b"Moved Permanently", 304: b"Not Modified", 308: b"Permanent Redirect",
           400: b"Bad Request", 404: b"Not Found", 405: b"Method Not Allowed",
           413: b"Content Too Large", 500: b"Internal Server Error",
           503: b"Service Unavailable"}


class _Clock:
    """The current time as POSIX seconds and as an HTTP date, the latter formatted at most
    once a second."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self._second = -1
        self._date = b""

    def date(self, now: float) -> bytes:
        second = int(now)
        if second != self._second:
            self._second = second
            self._date = email.utils.formatdate(second, usegmt=True).encode()
        return self._date


class FastPathServer:
    """Shared state of one listener: the pre-signed set, the fallback app, the limits."""

    def __init__(self, presigned: PresignedSet, app: Any, *, now: Callable[[], float] | None = None,
                 header_timeout: float = 15.0, max_body: int = 1024 * 1024,
                 max_connections: int = 10_000, max_per_source: int = 1_000,
                 listener: str | None = None) -> None:
        self.presigned = presigned
        self.app = app
        # The full path's AccessLog names its listener; fast answers use the same name.
        self.access = AccessBuffer(listener or getattr(app, "listener", None) or "http")
        self.clock = _Clock(now or time.time)
        self.header_timeout = header_timeout
        self.max_body = max_body
        self.max_connections = max_connections
        self.max_per_source = max_per_source
        self.connections: set[OcspProtocol] = set()
        self._sweeper: asyncio.TimerHandle | None = None
        self.per_source: collections.Counter[str] = collections.Counter()
        self.fast_answers = 0

    def protocol(self) -> OcspProtocol:
        return OcspProtocol(self)

    def _sweep(self) -> None:
        """Once a second: close connections whose request did not arrive in time (one
        timer per listener instead of one per request)."""
        loop = asyncio.get_running_loop()
        limit = loop.time() - self.header_timeout
        for conn in list(self.connections):
            if not conn.busy and conn.last_activity < limit and conn.transport is not None:
                conn.transport.close()
        self._sweeper = loop.call_later(1.0, self._sweep) if self.connections else None

    def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        self.access.flush()

    def answer(self, method: bytes, path: bytes, body: bytes,
               if_none_match: bytes | None, if_modified_since: bytes | None) -> bytes | None:
        """The whole HTTP response for a fast-path hit, or None (use the full app)."""
        if method == b"POST":
            if path != b"/ocsp":
                return None
            der = body
        elif method in (b"GET", b"HEAD") and path.startswith(b"/ocsp/") and len(path) > 6:
            text = path[6:]
            if len(text) > _MAX_OCSP_REQUEST:
                return None
            if b"%" in text:  # the three escapes base64 needs, then anything else
                text = text.replace(b"%2B", b"+").replace(b"%2F", b"/").replace(b"%3D", b"=")
                if b"%" in text:
                    text = unquote_to_bytes(text)
            text = text.translate(_B64URL)
            try:
                der = binascii.a2b_base64(text + b"=" * (-len(text) % 4))
            except (binascii.Error, ValueError):
                return None
        else:
            return None
        entry = self.presigned.lookup(der)
        if entry is None:
            return None
        now = self.clock.now()
        if now >= entry.next_update:
            return None
        self.fast_answers += 1
        date = self.clock.date(now)
        if _not_modified(entry, if_none_match, if_modified_since):
            return (b"HTTP/1.1 304 Not Modified\r\nETag: " + entry.etag
                    + b"\r\nExpires: " + entry.expires
                    + b"\r\nCache-Control: public, no-transform, must-revalidate, max-age="
                    + str(int(entry.next_update - now)).encode() + b"\r\nDate: " + date
                    + b"\r\n\r\n")
        head = entry.head + str(int(entry.next_update - now)).encode() + b"\r\nDate: " + \
            date + b"\r\n\r\n"
        return head if method == b"HEAD" else head + entry.der


def _not_modified(entry: Entry, if_none_match: bytes | None,
                  if_modified_since: bytes | None) -> bool:
    if if_none_match is not None:  # RFC 9110 13.1.3: If-None-Match wins
        tags = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
        return b"*" in tags or entry.etag in tags
    if if_modified_since is not None:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since.decode("latin-1"))
        except (TypeError, ValueError, IndexError):
            return False
        return since is not None and since.timestamp() >= int(entry.last_modified)
    return False


class _Request:
    __slots__ = ("body", "headers", "if_modified_since", "if_none_match", "keep_alive",
                 "method", "url", "version")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""
        self.method = b""
        self.if_none_match: bytes | None = None
        self.if_modified_since: bytes | None = None
        self.keep_alive = True
        self.version = "1.1"


class OcspProtocol(asyncio.Protocol):
    """One HTTP/1.1 connection; requests are answered in order (pipelining safe)."""

    def __init__(self, server: FastPathServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.request = _Request()
        self.queue: collections.deque[_Request] = collections.deque()
        self.busy = False
        self.closed: asyncio.Future[None] | None = None
        self.last_activity = 0.0
        self.loop = asyncio.get_running_loop()
        self.source = ""
        self.sockname: Any = None
        self.peername: Any = None
        self.too_large = False

    # connection ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        self.peername = transport.get_extra_info("peername")
        self.sockname = transport.get_extra_info("sockname")
        self.source = str(self.peername[0]) if self.peername else ""
        srv = self.server
        if len(srv.connections) >= srv.max_connections or \
                srv.per_source[self.source] >= srv.max_per_source:
            self.transport = None
            transport.close()
            return
        srv.connections.add(self)
        srv.per_source[self.source] += 1
        self.closed = self.loop.create_future()
        self.last_activity = self.loop.time()
        if srv._sweeper is None:
            srv._sweep()

    def connection_lost(self, exc: Exception | None) -> None:
        srv = self.server
        if self in srv.connections:
            srv.connections.discard(self)
            srv.per_source[self.source] -= 1
            if srv.per_source[self.source] <= 0:
                del srv.per_source[self.source]
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._simple(400, b"upgrade not supported", close=True)
        except httptools.HttpParserError:
            self._simple(400, b"malformed HTTP request", close=True)

    # parser callbacks ----------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.request = _Request()
        self.too_large = False

    def on_url(self, url: bytes) -> None:
        self.request.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        self.request.headers.append((name, value))
        if name == b"if-none-match":
            self.request.if_none_match = value
        elif name == b"if-modified-since":
            self.request.if_modified_since = value
        elif name == b"content-length":
            try:
                if int(value) > self.server.max_body:
                    self.too_large = True
            except ValueError:
                self.too_large = True

    def on_body(self, body: bytes) -> None:
        if len(self.request.body) + len(body) > self.server.max_body:
            self.too_large = True
            return
        self.request.body += body

    def on_message_complete(self) -> None:
        req = self.request
        req.method = self.parser.get_method()
        req.keep_alive = self.parser.should_keep_alive()
        req.version = self.parser.get_http_version()
        if self.too_large:
            self._simple(413, b"request body too large", close=True)
            return
        if self.busy or self.queue:
            self.queue.append(req)
            if len(self.queue) > 16 and self.transport is not None:
                self.transport.pause_reading()
            return
        self._handle(req)

    # answering -----------------------------------------------------------------------
    def _handle(self, req: _Request) -> None:
        if self.transport is None:
            return
        path, _, _query = req.url.partition(b"?")
        hit = None
        if not _query:
            start = time.perf_counter()
            hit = self.server.answer(req.method, path, req.body, req.if_none_match,
                                     req.if_modified_since)
        if hit is not None:
            self.transport.write(hit)
            access = self.server.access
            if access.log.isEnabledFor(logging.INFO):
                access.add((time.time(), req.method, path,
                            304 if hit.startswith(b"304", 9) else 200,
                            len(hit) - hit.index(b"\r\n\r\n") - 4, self.source,
                            time.perf_counter() - start))
            self._done(req)
            return
        self.busy = True
        task = self.loop.create_task(self._fallback(req))
        task.add_done_callback(self._fallback_done)

    def _fallback_done(self, task: asyncio.Task[None]) -> None:
        self.busy = False
        if task.cancelled() or task.exception() is not None:
            if self.transport is not None:
                self.transport.close()
            return
        while self.queue and not self.busy and self.transport is not None:
            if self.transport is not None and len(self.queue) <= 16:
                self.transport.resume_reading()
            self._handle(self.queue.popleft())

    def _done(self, req: _Request) -> None:
        if self.transport is None:
            return
        if not req.keep_alive:
            self.transport.close()
        else:
            self.last_activity = self.loop.time()

    def _simple(self, status: int, text: bytes, *, close: bool) -> None:
        if self.transport is None:
            return
        self.transport.write(
            b"HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d"
            b"\r\n%s\r\n%s" % (status, _STATUS.get(status, b""), len(text),
                                b"Connection: close\r\n" if close else b"", text))
        if close:
            self.transport.close()

    async def _fallback(self, req: _Request) -> None:
        """Run the full ASGI app for one request and write its response."""
        path, _, query = req.url.partition(b"?")
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": req.version, "method": req.method.decode("latin-1"),
            "scheme": "http", "path": unquote_to_bytes(path).decode("utf-8", "replace"),
            "raw_path": path, "query_string": query, "root_path": "",
            "headers": req.headers, "client": self.peername[:2] if self.peername else None,
            "server": self.sockname[:2] if self.sockname else None,
        }
        sent_body = False
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        closed = self.closed

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": req.body, "more_body": False}
            if closed is not None:
                await closed
            return {"type": "http.disconnect"}

        started = finished = False

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers, started, finished
            if message["type"] == "http.response.start":
                status, headers, started = message["status"], list(message.get("headers", [])), True
            elif message["type"] == "http.response.body" and not finished:
                chunks.append(message.get("body", b""))
                finished = not message.get("more_body", False)

        try:
            await self.server.app(scope, receive, send)
        except Exception:
            if started:
                raise
            status, headers, chunks = 500, [(b"content-type", b"text/plain; charset=utf-8")], \
                [b"internal error"]
        if self.transport is None:
            return
        body = b"".join(chunks)
        out = [b"HTTP/1.1 %d %s\r\n" % (status, _STATUS.get(status, b"Status"))]
        has_length = False
        for name, value in headers:
            if name.lower() == b"content-length":
                has_length = True
            out.append(name + b": " + value + b"\r\n")
        if not has_length:
            out.append(b"content-length: %d\r\n" % len(body))
        out.append(b"date: " + self.server.clock.date(self.server.clock.now()) + b"\r\n")
        if not req.keep_alive:
            out.append(b"connection: close\r\n")
        out.append(b"\r\n")
        if req.method != b"HEAD" and status not in (204, 304):
            out.append(body)
        self.transport.write(b"".join(out))
        self._done(req)
