"""Shared helpers for benchmarks: a throwaway certyard home and timing."""

from __future__ import annotations

import atexit
import base64
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from certyard.config import Settings
from certyard.context import AppContext, open_context

__all__ = ["bench_dir", "free_port", "fresh_context", "rate", "report", "require_installed_stack"]

LOCK = Path(__file__).resolve().parents[1] / "requirements" / "runtime.lock"


def require_installed_stack() -> None:
    """Refuse to measure a stack that ``./scripts/install.sh`` (the README's install) does
    not give: uvloop and httptools must be importable — they are what ``certyard serve``
    runs — and every package pinned in requirements/runtime.lock must be installed at its
    locked version. Exits loudly otherwise, before any figure is printed."""
    import importlib.metadata
    import importlib.util
    import re
    import sys

    missing = [mod for mod in ("uvloop", "httptools") if importlib.util.find_spec(mod) is None]
    problems = [f"{mod} is not installed" for mod in missing]
    spec = importlib.util.find_spec("certyard")
    here = LOCK.parents[1] / "src" / "certyard"
    if spec is None or spec.origin is None:
        problems.append("certyard is not installed")
    elif Path(spec.origin).resolve().parent != here.resolve():
        problems.append(f"this interpreter's certyard is {Path(spec.origin).parent}, not this "
                        f"checkout's {here}")
    for name, want in re.findall(r"^([A-Za-z0-9_.-]+)==([^ \\;]+)", LOCK.read_text(), re.M):
        if name in missing:
            continue
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed (locked {want})")
            continue
        if have != want:
            problems.append(f"{name} {have} is installed, the lock says {want}")
    if problems:
        sys.exit("benchmarks: refusing to measure a stack a fresh install does not give:\n  "
                 + "\n  ".join(problems) + "\ninstall from the lock: ./scripts/install.sh")


require_installed_stack()


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (``timeout``, ``kill``) ends a benchmark like Ctrl-C does: ``finally``
    blocks stop the servers it started and ``atexit`` removes its temporary directories."""
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _terminated)


def free_port() -> int:
    """A loopback TCP port for a server that must be told its port: picked below the
    kernel's ephemeral range (so no outgoing connection of the run can be given it meanwhile)
    and bindable now."""
    import random
    import socket

    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(2000):
        port = rng.randint(max(low - 12000, 10000), low - 1)
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free loopback port below the ephemeral range")


def bench_dir(prefix: str) -> Path:
    """A temporary directory removed when the benchmark exits (homes, databases, tokens)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, True)
    return path


def fresh_context(database_url: str | None = None) -> AppContext:
    home = bench_dir("certyard-bench-")
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
