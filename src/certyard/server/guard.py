"""Connection limits below the HTTP framework, for the HTTPS and agent listeners.

uvicorn closes idle keep-alive connections, but it puts no limit on how long a client may
take to send a request's headers, nor on how many connections one source may hold, so a
few hundred half-sent requests (slowloris) tie up a file descriptor each for as long as
the client likes. :func:`guarded` wraps a uvicorn HTTP protocol class (httptools or h11,
and our ``PeerCertProtocol``) so that:

* each connection must deliver a complete request head within ``header_timeout`` seconds
  of being accepted, and again within that time after each response (keep-alive); a
  request whose head arrived is not cut off while the application works on it;
* a request's body must keep arriving: a connection that sends no body byte for
  ``header_timeout`` seconds while its body is incomplete, or whose body is not complete
  ``body_seconds`` after its head, is closed (a client announcing a body and never sending
  it held the connection for ever);
* a request head (request line and headers) is at most ``max_head_bytes``; a larger one
  is answered 431 and the connection closed (the parser otherwise buffers it whole);
* one source address holds at most ``max_per_source`` connections and the listener at most
  ``max_connections``; a connection over either cap is dropped at once.

The counters live in the protocol class, so each listener has its own. On TLS listeners
the protocol sees a connection once the handshake is done; the handshake itself is bounded
by asyncio's ``ssl_handshake_timeout`` (60 s), which uvicorn does not expose.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

__all__ = ["ListenerLimits", "guarded", "http_protocol_class"]

log = logging.getLogger("certyard.server.guard")


@dataclass(frozen=True, kw_only=True)
class ListenerLimits:
    header_timeout: float = 10.0
    body_seconds: float = 120.0
    max_connections: int = 1000
    max_per_source: int = 64
    max_head_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        if not 0 < self.header_timeout <= 300:
            raise ValueError("header_timeout must be in (0, 300] seconds")
        if self.max_connections < 1 or self.max_per_source < 1:
            raise ValueError("connection limits must be at least 1")
        if self.body_seconds < self.header_timeout or self.max_head_bytes < 1024:
            raise ValueError("body_seconds must be at least header_timeout, and "
                             "max_head_bytes at least 1024")


class _Counts:
    def __init__(self) -> None:
        self.total = 0
        self.by_source: Counter[str] = Counter()

    def acquire(self, source: str, limits: ListenerLimits) -> str | None:
        """None when admitted, else which cap refused it."""
        if self.total >= limits.max_connections:
            return "max_connections"
        if self.by_source[source] >= limits.max_per_source:
            return "max_per_source"
        self.total += 1
        self.by_source[source] += 1
        return None

    def release(self, source: str) -> None:
        self.total -= 1
        self.by_source[source] -= 1
        if self.by_source[source] <= 0:
            del self.by_source[source]


def http_protocol_class() -> type[Any]:
    """uvicorn's httptools (C parser) protocol: the one stack certyard declares and measures.
    No silent fallback to h11: a missing httptools is an install error, not a slower server."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    return HttpToolsProtocol


def guarded(base: type[Any], limits: ListenerLimits | None = None) -> type[Any]:
    """A subclass of the uvicorn protocol ``base`` enforcing ``limits``."""
    lim = limits or ListenerLimits()
    counts = _Counts()

    class Guarded(base):  # type: ignore[misc,valid-type]
        _guard_source: str | None = None
        _guard_timer: asyncio.TimerHandle | None = None
        _guard_head = 0  # bytes of a request head still incomplete
        _guard_in_head = True
        _guard_ended = False
        _guard_fields = 0  # bytes of the request line and headers parsed so far
        _guard_too_large = False
        _guard_body_seen = 0  # body bytes at the last deadline check
        _guard_body_bytes = 0
        _guard_body_since = 0.0

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            peer = transport.get_extra_info("peername")
            source = str(peer[0]) if peer else "unknown"
            refused = counts.acquire(source, lim)
            if refused is not None:
                log.warning("connection from %s dropped: %s reached", source, refused)
                transport.abort()
                return
            self._guard_source = source
            self._guard_arm()

        def _guard_arm(self) -> None:
            if self._guard_timer is not None:
                self._guard_timer.cancel()
            self._guard_timer = self.loop.call_later(lim.header_timeout, self._guard_deadline)

        def _guard_deadline(self) -> None:
            self._guard_timer = None
            cycle = getattr(self, "cycle", None)
            if cycle is not None and not cycle.response_complete:
                if not getattr(cycle, "more_body", False):
                    self._guard_arm()  # the whole request arrived; the application works
                    return
                stalled = self._guard_body_bytes == self._guard_body_seen
                late = self.loop.time() - self._guard_body_since > lim.body_seconds
                if not stalled and not late:
                    self._guard_body_seen = self._guard_body_bytes
                    self._guard_arm()  # the body is still coming
                    return
                log.warning("connection from %s closed: its request body %s",
                            self._guard_source, "stalled" if stalled else "took too long")
            if not self.transport.is_closing():
                self.transport.abort()

        def data_received(self, data: bytes) -> None:
            self._guard_ended = False
            super().data_received(data)
            if self._guard_ended:  # a request ended in this chunk: the rest may be a head
                self._guard_head = 0
            elif self._guard_in_head and not self.transport.is_closing():
                # Still no complete head after this chunk: all of it was head.
                self._guard_head += len(data)
                if self._guard_head > lim.max_head_bytes:
                    self._guard_refuse(431, "request header fields too large")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._guard_in_head = True
            self._guard_fields = 0

        def on_url(self, url: bytes) -> None:
            self._guard_fields += len(url)
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._guard_fields += len(name) + len(value) + 4
            if self._guard_fields > lim.max_head_bytes:
                self._guard_too_large = True
                raise ValueError("request head too large")  # stops the parser: 431
            super().on_header(name, value)

        def on_message_complete(self) -> None:
            self._guard_ended = True
            super().on_message_complete()

        def on_headers_complete(self) -> None:
            if self._guard_fields > lim.max_head_bytes:  # a long request line alone
                self._guard_too_large = True
                raise ValueError("request head too large")
            self._guard_in_head = False
            self._guard_head = 0
            self._guard_body_bytes = self._guard_body_seen = 0
            self._guard_body_since = self.loop.time()
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            self._guard_body_bytes += len(body)
            super().on_body(body)

        def send_400_response(self, msg: str) -> None:
            if self._guard_too_large:
                self._guard_refuse(431, "request header fields too large")
            else:
                self._guard_refuse(400, msg)

        def _guard_refuse(self, status: int, message: str) -> None:
            """A refusal below the application (malformed request, head too large): the
            problem body and the security headers every answer of the listener has."""
            from certyard.http.errors import plain_error

            code = "bad_request" if status == 400 else "too_large"
            body, headers = plain_error("/api/", status, code, message,
                                        headers=[(b"connection", b"close")])
            reason = {400: b"Bad Request", 431: b"Request Header Fields Too Large"}[status]
            head = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
            for name, value in headers:
                head.append(name + b": " + value + b"\r\n")
            if not self.transport.is_closing():
                self.transport.write(b"".join(head) + b"\r\n" + body)
                self.transport.close()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._guard_source is not None and not self.transport.is_closing():
                self._guard_arm()  # the next request's head has the same deadline

        def connection_lost(self, exc: Exception | None) -> None:
            if self._guard_timer is not None:
                self._guard_timer.cancel()
                self._guard_timer = None
            if self._guard_source is not None:
                counts.release(self._guard_source)
                self._guard_source = None
            super().connection_lost(exc)

    Guarded.__name__ = f"Guarded{base.__name__}"
    Guarded.__qualname__ = Guarded.__name__
    Guarded.counts = counts  # type: ignore[attr-defined]  # tests and metrics
    return Guarded
