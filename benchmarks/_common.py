"""Shared helpers for benchmarks: a throwaway certyard home and timing."""

from __future__ import annotations

import base64
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from certyard.config import Settings
from certyard.context import AppContext, open_context

__all__ = ["fresh_context", "rate", "report"]


def fresh_context(database_url: str | None = None) -> AppContext:
    home = Path(tempfile.mkdtemp(prefix="certyard-bench-"))
    env = {"CERTYARD_HOME": str(home),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    if database_url:
        env["CERTYARD_DATABASE_URL"] = database_url
    return open_context(Settings.from_env(env))


def rate(n: int, fn: Callable[[int], object]) -> float:
    """Operations per second of fn(i) for i in range(n)."""
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - t0)


def report(title: str, ours: float, peer: float, peer_name: str, unit: str = "/s",
           higher_is_better: bool = True) -> None:
    ratio = ours / peer if higher_is_better else peer / ours
    print(f"{title:<48} certyard {ours:>10.1f}{unit}   {peer_name} {peer:>10.1f}{unit}   "
          f"ratio {ratio:>6.2f}x")
