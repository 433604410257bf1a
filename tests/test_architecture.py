"""The import contracts in pyproject.toml hold (ARCHITECTURE.md): rooms are layered, there
is no cycle between rooms, the core imports no delivery layer. scripts/test.sh runs
lint-imports too; this keeps the check inside the suite for a plain ``pytest`` run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = ("import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())")


def test_import_contracts_are_kept() -> None:
    r = subprocess.run([sys.executable, "-c", LINT, "--no-cache"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout


def test_no_room_registers_jobs_on_import() -> None:
    """Jobs are values listed in certyard.ops.jobs, not a registry filled by imports."""
    src = ROOT / "src" / "certyard"
    offenders = [str(p.relative_to(src)) for p in src.rglob("*.py")
                 if "register_job(" in p.read_text()]
    assert offenders == []


def test_every_certyard_import_resolves() -> None:
    """Function-level imports run late, so a moved module would fail only when its caller
    runs (import-linter skips modules that do not exist): every import names a real one."""
    import ast
    import importlib

    src = ROOT / "src" / "certyard"
    missing: list[str] = []
    for path in sorted(src.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("certyard"):
                try:
                    module = importlib.import_module(node.module)
                except ImportError:
                    missing.append(f"{path.relative_to(src)}:{node.lineno} {node.module}")
                    continue
                for alias in node.names:
                    if hasattr(module, alias.name):
                        continue
                    try:
                        importlib.import_module(f"{node.module}.{alias.name}")
                    except ImportError:
                        missing.append(f"{path.relative_to(src)}:{node.lineno} "
                                       f"{node.module}.{alias.name}")
    assert missing == []


def test_the_context_is_typed_everywhere() -> None:
    """Issue 13: the application context is `AppContext`, never `ctx: Any`."""
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "certyard"
    untyped = [f"{p.relative_to(src)}:{n}" for p in src.rglob("*.py")
               for n, line in enumerate(p.read_text().splitlines(), 1)
               if re.search(r"\bctx: Any\b", line)]
    assert untyped == [], untyped


def test_no_domain_room_names_a_delivery_layer_even_for_types() -> None:
    """import-linter skips TYPE_CHECKING imports (the context type sits above the domain);
    this scan does not: no domain room imports cli/api/web/server/http in any form."""
    import ast
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "certyard"
    delivery = {"cli", "api", "web", "server", "http", "setup", "ops"}
    found = []
    for path in src.rglob("*.py"):
        room = path.relative_to(src).parts[0].removesuffix(".py")
        if room in delivery or room in {"context", "__init__"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + ([f"certyard.{a.name}" for a in node.names]
                                         if node.module == "certyard" else [])
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "certyard" and len(parts) > 1 and parts[1] in delivery:
                    found.append(f"{path.relative_to(src)}:{node.lineno} imports {name}")
    assert found == [], found


def test_hooks_are_wired_by_the_context_not_by_import_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A process that imports nothing but the context still gets the monitor's upload check
    and the ACME lifetime hook: open_context wires them explicitly."""
    import subprocess
    import sys

    code = ("import base64, sys\n"
            "from certyard.config import Settings\n"
            "from certyard.context import open_context\n"
            "ctx = open_context(Settings.from_env({'CERTYARD_HOME': sys.argv[1],"
            " 'CERTYARD_MASTER_KEY': base64.b64encode(b'k' * 32).decode()}))\n"
            "from certyard.store import upload_hooks\n"
            "from certyard.ca.requests import REQUEST_DAYS_HOOKS\n"
            "print(len(upload_hooks._HOOKS), len(REQUEST_DAYS_HOOKS))\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "home")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1"], out.stdout + out.stderr
