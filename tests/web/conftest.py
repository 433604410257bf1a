from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.server import Served, start_serve, stop_serve


@pytest.fixture
def served(env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    s = start_serve(env, tmp_path / "serve.log")
    try:
        yield s
    finally:
        stop_serve(s)
