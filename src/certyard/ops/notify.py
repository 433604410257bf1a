"""The systemd notification protocol (sd_notify), written out: one datagram of
``KEY=VALUE`` lines to the AF_UNIX socket named by ``NOTIFY_SOCKET`` (a path, or
``@name`` for the abstract namespace). Without ``NOTIFY_SOCKET`` every call is a no-op, so
the server runs the same by hand, in a container or under systemd ``Type=notify``.
"""

from __future__ import annotations

import os
import socket

__all__ = ["notify", "watchdog_interval"]


def notify(*fields: str, env: dict[str, str] | None = None) -> bool:
    """Send e.g. ``notify("READY=1", "STATUS=serving")``; True when a socket took it."""
    target = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
    if not target or not fields:
        return False
    address = "\0" + target[1:] if target.startswith("@") else target
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall("\n".join(fields).encode())
    except OSError:
        return False
    return True


def watchdog_interval(env: dict[str, str] | None = None) -> float | None:
    """Seconds between keep-alive pings systemd expects (half of ``WATCHDOG_USEC``), or
    None when no watchdog is set for this process."""
    source = os.environ if env is None else env
    usec = source.get("WATCHDOG_USEC", "")
    pid = source.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000
