"""The ``CaKeyTokenUnavailable`` alarm: raised when a token signer starts failing, cleared
when it signs again.

The failure happens inside the caller's transaction, which then rolls back; the alarm is
written in a transaction of its own on a (non-daemon) thread, which waits for the
caller's lock to go (SQLite) and still finishes when a CLI process exits with the error.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from certyard import alarms

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ALARM", "watch"]

ALARM = "CaKeyTokenUnavailable"


def _write(ctx: AppContext, subject: str, message: str | None) -> None:
    try:
        with ctx.transaction() as s:
            if message is None:
                alarms.clear_alarm(s, ctx, name=ALARM, object=subject)
            else:
                alarms.raise_alarm(s, ctx, name=ALARM, object=subject, severity="Critical",
                                   message=message)
    except Exception:  # the alarm must never hide the signing error itself
        logging.getLogger(__name__).exception("could not record the %s alarm", ALARM)


def watch(signer: Any, ctx: AppContext, subject: str) -> None:
    """Report ``signer``'s failures and recovery for CA ``subject`` through ``ctx``."""

    def observe(error: Exception | None) -> None:
        message = None if error is None else f"the key of CA '{subject}' cannot sign: {error}"
        threading.Thread(target=_write, args=(ctx, subject[:300], message),
                         name="ca-token-alarm").start()

    signer.observer = observe
