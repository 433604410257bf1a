"""A small in-process sliding-window limiter for sign-in attempts per source address.

Per process on purpose: the account lockout in the database is the cluster-wide control;
this one only slows a single client hammering one replica.
"""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, *, limit: int = 10, window_seconds: float = 60.0) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] > self.window:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            if len(self._hits) > 10000:  # bound memory under a spray of sources
                self._hits = {k: v for k, v in self._hits.items() if v}
            return True
