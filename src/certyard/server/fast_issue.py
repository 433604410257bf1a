"""The HTTPS listener answers ``POST /api/v1/ca/issued`` below the web framework.

:func:`with_fast_issue` extends the listener's uvicorn protocol class (httptools; the
connection guards of ``server.guard`` wrap the result, so their deadlines and size bounds
apply to fast requests too). When a request's head is the usual one for the
issuance route (``api.v1.issue_fast.IssueRoute.admit``: a Bearer token, a JSON body of a
declared length, an address the admin allowlist admits, HTTP/1.1, no ``Expect``, nothing
of the connection still being answered), the connection reads the body itself and answers
with :meth:`IssueRoute.answer` in one write: status line, ``date``, the JSON, and the
security headers every HTTPS answer carries (``http.app.SECURITY_HEADERS``). The access
log gets the record ``ops.logs.AccessLog`` writes, in batches off the answer path
(``server.ocsp_access.AccessBuffer``).

Everything else is uvicorn's: other requests, and a fast request whose body the route's
model must judge (it is handed on to the full application with its body, as a request
cycle of uvicorn's own). While a fast request is read and answered, the connection's
request cycle is a :class:`_FastCycle`, which has what uvicorn and the guards read of one
(``body``, ``more_body``, ``message_event``, ``response_complete``, ``disconnected``,
``keep_alive``), so keep-alive, pipelined requests (queued until the answer is written),
the header deadline, a client that goes away (the certificate is still stored: group
commit shields it) and a graceful shutdown (it waits for the answer) behave as for any
other request. Written against uvicorn 0.54's httptools protocol (the version the lock
pins); ``tests/server/test_fast_issue.py`` holds it to that.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, RequestResponseCycle

from certyard.api.v1.issue_fast import PATH, Answer, IssueRoute
from certyard.http.headers import SECURITY_HEADER_LIST
from certyard.server.ocsp_access import AccessBuffer

__all__ = ["with_fast_issue"]

log = logging.getLogger("certyard.server")

_PATH = PATH.encode()


def _block(headers: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(name + b": " + value + b"\r\n" for name, value in headers)


_SECURITY = _block(SECURITY_HEADER_LIST)
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADER_LIST)


class _FastCycle:
    """The request cycle of a fast request (see the module text): uvicorn appends the body
    and calls ``message_event.set()`` as the body arrives, when it is complete and when the
    connection is lost."""

    __slots__ = ("body", "disconnected", "keep_alive", "message_event", "more_body", "owner",
                 "response_complete", "scope", "started", "token")

    def __init__(self, owner: Any, scope: Any, token: str, keep_alive: bool) -> None:
        self.owner = owner
        self.scope = scope
        self.token = token
        self.keep_alive = keep_alive
        self.body = bytearray()
        self.more_body = True
        self.response_complete = False
        self.disconnected = False
        self.started = False
        self.message_event = self

    def set(self) -> None:
        if self.started:
            return
        if self.disconnected:  # gone before its body was complete: nothing was submitted
            self.started = True
            return
        if self.more_body:  # uvicorn pauses reading past 64 KiB: this cycle reads on
            self.owner.flow.resume_reading()
            return
        self.started = True
        self.owner._fast_start(self)


def with_fast_issue(base: type[Any], route: IssueRoute, *, listener: str = "https"
                    ) -> type[Any]:
    """A subclass of the uvicorn protocol class ``base`` answering fast issuance requests
    with ``route`` (the application's own, so both share its caches)."""
    access = AccessBuffer(listener)

    class FastIssue(base):  # type: ignore[misc,valid-type]
        cycle: Any  # uvicorn's request cycle, or a _FastCycle

        def on_headers_complete(self) -> None:
            cycle: Any = self.cycle
            if (self.url == _PATH and (cycle is None or cycle.response_complete)
                    and not self.expect_100_continue
                    and self.parser.get_method() == b"POST"
                    and self.parser.get_http_version() == "1.1"
                    and not self.parser.should_upgrade()):
                client = self.client[0] if self.client else None
                try:
                    token = route.admit(self.headers, client)
                except Exception:  # e.g. the allowlist's store is down: the guards answer
                    token = None
                if token is not None:
                    scope = self.scope
                    scope["method"] = "POST"
                    scope["path"] = PATH
                    scope["raw_path"] = _PATH
                    scope["query_string"] = b""
                    self.cycle = _FastCycle(self, scope, token,
                                            self.parser.should_keep_alive())
                    return
            super().on_headers_complete()

        def _fast_start(self, cycle: _FastCycle) -> None:
            task = self.loop.create_task(self._fast_answer(cycle))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        async def _fast_answer(self, cycle: _FastCycle) -> None:
            start = time.perf_counter()
            client = self.client[0] if self.client else None
            try:
                answer = await route.answer(cycle.token, bytes(cycle.body), client)
            except asyncio.CancelledError:  # the loop is stopping
                cycle.response_complete = True
                self.transport.close()
                raise
            except BaseException:  # route.answer answers every error; this is a bug
                log.exception("the issuance fast path failed; the connection is closed")
                cycle.response_complete = True
                self.transport.close()
                raise
            if answer is None:
                self._fast_hand_on(cycle)
                return
            size = len(answer.body)
            if not cycle.disconnected and not self.transport.is_closing():
                self.transport.write(self._fast_bytes(answer, cycle.keep_alive))
            cycle.response_complete = True
            if access.log.isEnabledFor(logging.INFO):
                access.add((time.time(), b"POST", _PATH, answer.status, size, client or "-",
                            time.perf_counter() - start))
            if not cycle.keep_alive:
                self.transport.close()
            self.on_response_complete()

        def _fast_bytes(self, answer: Answer, keep_alive: bool) -> bytes:
            named = {name for name, _ in answer.headers} & _SECURITY_NAMES
            security = _SECURITY if not named else _block(
                [h for h in SECURITY_HEADER_LIST if h[0] not in named])
            return b"".join((
                STATUS_LINE[answer.status],
                _block(self.server_state.default_headers),
                b"content-length: %d\r\n" % len(answer.body),
                _block(answer.headers),
                security,
                b"" if keep_alive else b"connection: close\r\n",
                b"\r\n", answer.body))

        def _fast_hand_on(self, cycle: _FastCycle) -> None:
            """The full application answers, with the body already read."""
            event = asyncio.Event()
            event.set()
            full = RequestResponseCycle(
                scope=cycle.scope, transport=self.transport, flow=self.flow,
                logger=self.logger, access_logger=self.access_logger,
                access_log=self.access_log,
                default_headers=self.server_state.default_headers, message_event=event,
                expect_100_continue=False, keep_alive=cycle.keep_alive,
                on_response=self.on_response_complete)
            full.body = cycle.body
            full.more_body = False
            full.disconnected = cycle.disconnected
            if self.cycle is cycle:  # else a pipelined request's cycle waits behind it
                self.cycle = full
            self._start_asgi_task(full, self.app)

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            if not self.connections:  # the last one (shutdown): write what waits
                access.flush()

    FastIssue.__name__ = f"FastIssue{base.__name__}"
    FastIssue.__qualname__ = FastIssue.__name__
    FastIssue.access = access  # type: ignore[attr-defined]  # tests
    return FastIssue
