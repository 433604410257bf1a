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


def test_a_trailing_slash_redirect_never_names_the_requests_host(ctx) -> None:  # type: ignore[no-untyped-def]
    """The router's trailing-slash redirect would build ``https://<Host header>/path``: a
    forged Host header must not pick where a client (or a cache) is sent."""
    from tests.api.helpers import make_harness

    h = make_harness(ctx)
    r = h.client.post("/api/v1/ca/issued/", headers={**h.as_role("System Administrator"),
                                                      "Host": "evil.example:8443"},
                      json={"csr": "x"}, follow_redirects=False)
    assert r.status_code in (307, 308), r.status_code
    assert r.headers["location"] == "/api/v1/ca/issued"
    r = h.client.get("/api/v1/certificates/?limit=1", follow_redirects=False,
                     headers={**h.as_role("Read-only"), "Host": "evil.example"})
    assert r.status_code in (307, 308) and r.headers["location"] == "/api/v1/certificates?limit=1"
