"""``certyard serve`` without a part of the lock's server stack: one line naming the
missing module, exit 7, and nothing created in the home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MASTER_KEY


@pytest.mark.parametrize("hidden", [("uvloop",), ("httptools",), ("uvloop", "httptools")])
def test_serve_names_the_missing_module_and_creates_nothing(tmp_path: Path,
                                                           hidden: tuple[str, ...]) -> None:
    home = tmp_path / "home"
    code = ("import sys\n"
            + "".join(f"sys.modules[{m!r}] = None\n" for m in hidden)
            + "from certyard.cli.main import run\n"
            "sys.argv = ['certyard', 'serve', '--host', '127.0.0.1']\n"
            "run()\n")
    env = {**os.environ, "CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY}
    env.pop("CERTYARD_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    text = out.stdout + out.stderr
    assert out.returncode == 7, text
    assert f"{', '.join(hidden)} {'is' if len(hidden) == 1 else 'are'} not installed" in text
    assert "./scripts/install.sh" in text
    assert "Traceback" not in text and "internal error" not in text
    assert "serving" not in text
    assert not home.exists() or not any(home.iterdir())


def test_the_start_line_names_the_stack_of_the_lock() -> None:
    """`serve` logs `listening ... stack=uvicorn-X+uvloop-Y+httptools-Z`: a user can see the
    server runs the stack the lock installs (the versions are the installed ones)."""
    from importlib.metadata import version

    from certyard.server.run import _STACK

    assert _STACK == (f"uvicorn-{version('uvicorn')}+uvloop-{version('uvloop')}"
                      f"+httptools-{version('httptools')}")
