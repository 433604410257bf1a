"""How long `certyard --version` and `certyard --help` take, and how many modules they load.

    PYTHONPATH=src python3 benchmarks/cli_startup.py [RUNS]

Goal: `--version` answers without importing the application (no typer, SQLAlchemy or
cryptography), well under half a second of CPU on a laptop; it creates no file."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import require_installed_stack  # noqa: F401  (checks on import)


def _run(args: list[str], home: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "certyard.cli.main", *args], check=True,
                   capture_output=True, env={**os.environ, "CERTYARD_HOME": home})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _modules(args: list[str]) -> int:
    code = ("import sys; from certyard.cli.main import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            "print(len(sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return int(done.stderr.strip().splitlines()[-1])


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("runs", nargs="?", type=int, default=5, help="runs per command")
    runs = ap.parse_args().runs
    for args in (["--version"], ["--help"]):
        with tempfile.TemporaryDirectory() as tmp:
            home = os.path.join(tmp, "home")
            samples = [_run(args, home) for _ in range(runs)]
            created = os.path.exists(home)
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        print(f"certyard {' '.join(args)}: median wall {wall:.2f} s, CPU {cpu:.2f} s, "
              f"{_modules(args)} modules, home created: {'yes' if created else 'no'}")


if __name__ == "__main__":
    main()
