"""A real syslog receiver on loopback: UDP datagrams or TCP octet-counted frames."""

from __future__ import annotations

import socket
import ssl
import threading


class SyslogReceiver:
    def __init__(self, protocol: str, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.protocol = protocol
        self.tls = tls
        self.messages: list[bytes] = []
        self._stop = threading.Event()
        kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        if protocol == "tcp":
            self.sock.listen()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.protocol == "udp":
                    data, _ = self.sock.recvfrom(65535)
                    self.messages.append(data)
                else:
                    conn, _ = self.sock.accept()
                    if self.tls is not None:
                        conn.settimeout(5)
                        conn = self.tls.wrap_socket(conn, server_side=True)
                    self._read_frames(conn)
            except (TimeoutError, OSError):
                continue

    def _read_frames(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        buf = b""
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except (TimeoutError, OSError):
                    break
                if not chunk:
                    break
                buf += chunk
                while b" " in buf:
                    n, rest = buf.split(b" ", 1)
                    if len(rest) < int(n):
                        break
                    self.messages.append(rest[:int(n)])
                    buf = rest[int(n):]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[bytes]:
        import time

        end = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.02)
        return list(self.messages)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


