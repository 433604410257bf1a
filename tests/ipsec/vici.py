"""A minimal VICI endpoint on a unix socket, so the real ``swanctl`` binary from Debian can
parse an exported swanctl.conf and send what it parsed (load-conn, load-shared, load-cert
requests). charon itself is not installed here; this records the decoded requests and
answers ``success = yes``."""

from __future__ import annotations

import socket
import struct
import threading
from typing import Any

CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2
EVENT_REGISTER, EVENT_UNREGISTER, EVENT_CONFIRM = 3, 4, 5
SECTION_START, SECTION_END, KEY_VALUE, LIST_START, LIST_ITEM, LIST_END = 1, 2, 3, 4, 5, 6


def decode(body: bytes) -> dict[str, Any]:
    """VICI message elements into nested dicts (lists as Python lists)."""
    root: dict[str, Any] = {}
    stack = [root]
    current_list: list[str] | None = None
    i = 0
    while i < len(body):
        t = body[i]
        i += 1
        if t in (SECTION_START, KEY_VALUE, LIST_START):
            n = body[i]
            name = body[i + 1:i + 1 + n].decode()
            i += 1 + n
        if t == SECTION_START:
            sec: dict[str, Any] = {}
            stack[-1][name] = sec
            stack.append(sec)
        elif t == SECTION_END:
            stack.pop()
        elif t == KEY_VALUE:
            (ln,) = struct.unpack(">H", body[i:i + 2])
            stack[-1][name] = body[i + 2:i + 2 + ln].decode(errors="replace")
            i += 2 + ln
        elif t == LIST_START:
            current_list = []
            stack[-1][name] = current_list
        elif t == LIST_ITEM:
            (ln,) = struct.unpack(">H", body[i:i + 2])
            assert current_list is not None
            current_list.append(body[i + 2:i + 2 + ln].decode(errors="replace"))
            i += 2 + ln
        elif t == LIST_END:
            current_list = None
        else:
            raise ValueError(f"bad VICI element {t}")
    return root


def _kv(name: str, value: str) -> bytes:
    v = value.encode()
    return bytes([KEY_VALUE, len(name)]) + name.encode() + struct.pack(">H", len(v)) + v


class ViciRecorder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen()
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _recv(self, conn: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def _send(self, conn: socket.socket, payload: bytes) -> None:
        conn.sendall(struct.pack(">I", len(payload)) + payload)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with conn:
            while True:
                try:
                    (ln,) = struct.unpack(">I", self._recv(conn, 4))
                    pkt = self._recv(conn, ln)
                except (EOFError, OSError):
                    return
                kind = pkt[0]
                if kind in (EVENT_REGISTER, EVENT_UNREGISTER):
                    self._send(conn, bytes([EVENT_CONFIRM]))
                    continue
                if kind != CMD_REQUEST:
                    continue
                n = pkt[1]
                name = pkt[2:2 + n].decode()
                self.requests.append((name, decode(pkt[2 + n:])))
                self._send(conn, bytes([CMD_RESPONSE]) + _kv("success", "yes"))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self._serve(conn)

    def named(self, name: str) -> list[dict[str, Any]]:
        return [body for n, body in self.requests if n == name]

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()
