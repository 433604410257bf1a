"""A small HTTP POST load generator (asyncio, raw sockets) used for every server under
test, so that both sides of a comparison meet the same client."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

__all__ = ["LoadResult", "run_load"]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, int(len(xs) * p / 100))] if xs else float("nan")


async def _read_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length is None:
        return await reader.read()
    return await reader.readexactly(length)


async def _worker(host: str, port: int, path: str, bodies: list[bytes], deadline: float,
                  keepalive: bool, out: LoadResult) -> None:
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.perf_counter() < deadline:
        body = random.choice(bodies)
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection(host, port)
            reader, writer = conn
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Content-Type: application/ocsp-request\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"Connection: {'keep-alive' if keepalive else 'close'}\r\n\r\n".encode()
                + body)
            await writer.drain()
            data = await _read_response(reader)
            if not data.startswith(b"\x30"):
                out.errors += 1
            if not keepalive:
                writer.close()
                conn = None
        except (OSError, asyncio.IncompleteReadError):
            out.errors += 1
            conn = None
            continue
        out.latencies_ms.append((time.perf_counter() - t0) * 1000)
        out.requests += 1
    if conn is not None:
        conn[1].close()


def run_load(host: str, port: int, path: str, bodies: list[bytes], *, seconds: float,
             concurrency: int, keepalive: bool) -> LoadResult:
    out = LoadResult(0, 0, seconds, [])

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(_worker(host, port, path, bodies, deadline, keepalive, out)
                               for _ in range(concurrency)))

    t0 = time.perf_counter()
    asyncio.run(main())
    out.seconds = time.perf_counter() - t0
    return out
