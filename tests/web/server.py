"""A real ``certyard serve`` process on loopback for end-to-end tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import PortInUse, free_port, in_use_message


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    https_port: int
    http_port: int
    password: str
    output: str
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def start_serve(env: dict[str, str], log: Path) -> Served:
    """Start ``certyard serve`` on reserved ports; again on new ones if a port was taken."""
    for _ in range(4):
        try:
            return _start_serve(env, log)
        except PortInUse:
            continue
    return _start_serve(env, log)


def _start_serve(env: dict[str, str], log: Path) -> Served:
    https_port, http_port = free_port(), free_port()
    full = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    fh = open(log, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from certyard.cli.main import run; run()", "serve",
         "--host", "127.0.0.1", "--https-port", str(https_port), "--http-port",
         str(http_port), "--no-jobs"], env=full, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if proc.poll() is not None:
            if in_use_message(text):
                raise PortInUse(text)
            raise RuntimeError(f"certyard serve exited: {text}")
        if "One-time password" in text or "serving" in text:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.5).close()
                break
            except OSError:
                pass
        time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError(f"certyard serve did not start: {log.read_text()}")
    text = log.read_text()
    m = re.search(r"One-time password: (\S+)", text)
    return Served(proc=proc, https_port=https_port, http_port=http_port,
                  password=m.group(1) if m else "", output=text, env=env)


def stop_serve(served: Served) -> None:
    served.proc.terminate()
    try:
        served.proc.wait(10)
    except subprocess.TimeoutExpired:
        served.proc.kill()
        served.proc.wait()
