"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives; it can be stopped
and started again on the same port to simulate an outage."""

from __future__ import annotations

import email
import email.policy
from email.message import Message

from aiosmtpd.controller import Controller

from tests.support.ports import free_port


class _Handler:
    def __init__(self, inbox: list[Message]) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.inbox.append(msg)
        return "250 Message accepted for delivery"


class LoopbackSmtp:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox: list[Message] = []
        self._controller: Controller | None = None

    def start(self) -> LoopbackSmtp:
        self._controller = Controller(_Handler(self.inbox), hostname="127.0.0.1",
                                      port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
