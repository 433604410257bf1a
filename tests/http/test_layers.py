"""The delivery layers' import rules (issue 13): api/ and web/ do not import each other,
http/ imports neither, and the CLI imports no HTTP module (it may start the server)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import certyard

ROOT = Path(certyard.__file__).parent


def _imports(room: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in (ROOT / room).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "certyard" and len(parts) > 1:
                    found.add((str(path.relative_to(ROOT)), parts[1]))
    return found


@pytest.mark.parametrize(("room", "forbidden"), [
    ("api", {"web", "cli", "server"}),
    ("web", {"api", "cli", "server"}),
    ("http", {"api", "web", "cli", "server"}),
    ("cli", {"api", "web", "http"}),
    ("server", {"cli"}),
])
def test_delivery_rooms_import_only_downwards(room: str, forbidden: set[str]) -> None:
    bad = sorted((f, r) for f, r in _imports(room) if r in forbidden)
    assert not bad, f"{room}/ imports {bad}"


def test_no_domain_room_imports_a_delivery_layer() -> None:
    delivery = {"api", "web", "cli", "server", "http"}
    rooms = [p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()
             and p.name not in delivery | {"ops"}]
    bad = sorted((f, r) for room in rooms for f, r in _imports(room) if r in delivery)
    assert not bad, bad
