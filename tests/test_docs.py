"""The README documents every CLI command and every setting (datasette's habit)."""

from __future__ import annotations

from pathlib import Path

import typer

from certyard.cli.main import app
from certyard.config import SETTINGS_DOC

README = (Path(__file__).parents[1] / "README.md").read_text()


def _commands(group: object, prefix: str) -> list[str]:
    out = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        path = f"{prefix} {name}"
        if hasattr(cmd, "commands"):
            out += _commands(cmd, path)
        else:
            out.append(path)
    return out


def test_every_cli_command_is_documented() -> None:
    root = typer.main.get_command(app)
    commands = _commands(root, "certyard")
    assert len(commands) > 10
    missing = [c for c in commands if f"`{c}" not in README]
    assert not missing, f"README.md lacks: {missing}"


def test_every_setting_is_documented() -> None:
    missing = [name for name in SETTINGS_DOC if f"`{name}`" not in README]
    assert not missing, f"README.md lacks settings: {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    head = README.split("## A short tour")[0]
    assert "./scripts/install.sh && .venv/bin/certyard serve" in head
    assert "./scripts/test.sh" in head
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert "./scripts/test.sh" in ci
