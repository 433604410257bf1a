"""Connection limits below the HTTP framework, for the HTTPS and agent listeners.

uvicorn closes idle keep-alive connections, but it puts no limit on how long a client may
take to send a request's headers, nor on how many connections one source may hold, so a
few hundred half-sent requests (slowloris) tie up a file descriptor each for as long as
the client likes. :func:`guarded` wraps a uvicorn HTTP protocol class (httptools or h11,
and our ``PeerCertProtocol``) so that:

* each connection must deliver a complete request head within ``header_timeout`` seconds
  of being accepted, and again within that time after each response (keep-alive); a
  request whose head arrived is not cut off while the application works on it;
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
    max_connections: int = 1000
    max_per_source: int = 64

    def __post_init__(self) -> None:
        if not 0 < self.header_timeout <= 300:
            raise ValueError("header_timeout must be in (0, 300] seconds")
        if self.max_connections < 1 or self.max_per_source < 1:
            raise ValueError("connection limits must be at least 1")


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
                self._guard_arm()  # the head arrived; the application is working
                return
            if not self.transport.is_closing():
                self.transport.abort()

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
