"""Every command and sub-command, found by walking the command tree (so a new command is
covered without editing this file): its help explains every option and shows an example,
and wrong input — an unknown option, a missing argument, a value of the wrong type — ends
with exit 2 and one line on stderr, never a traceback. None of these runs a command body,
so they run against a home where certyard was never set up, and leave it empty."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from certyard.cli.tree import build_command, leaf_commands, param_kind
from tests.support.cli import CliResult, run_cli

TREE = build_command()
ALL = leaf_commands(TREE)
LEAVES = [(path, cmd) for path, cmd in ALL if not hasattr(cmd, "commands")]
LEAKED_METAVAR = re.compile(r"<(bool|int|str|float|list\[[^\]]*\]|path|datetime)>|\{[a-z_]+\}")


@pytest.fixture
def empty_home(tmp_path: Path) -> dict[str, str]:
    return {"CERTYARD_HOME": str(tmp_path / "home"), "CERTYARD_DATABASE_URL": "",
            "CERTYARD_MASTER_KEY": "", "CERTYARD_MASTER_KEY_FILE": "",
            "COLUMNS": "200"}


def _one_line_error(r: CliResult, code: int = 2) -> None:
    assert r.code == code, (r.code, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr


def _placeholder(param: Any) -> str:
    kind, choices = param_kind(param)
    return {"int": "1", "float": "1", "date": "2030-01-01",
            "choice": choices[0] if choices else "x"}.get(kind, "x")


def _required_args(cmd: Any, *, skip: Any = None) -> list[str]:
    """A value of the right type for every required parameter (except ``skip``)."""
    out: list[str] = []
    for p in cmd.params:
        if p is skip or not p.required:
            continue
        if p.param_type_name == "argument":
            out.append(_placeholder(p))
        else:
            out += [max(p.opts, key=len), _placeholder(p)]
    return out


def test_the_tree_is_walked() -> None:
    paths = {p for p, _ in ALL}
    assert {"cert list", "ca revoke", "node remove", "monitor revocation set"} <= paths
    assert len(LEAVES) > 100


@pytest.mark.parametrize("path", [p for p, _ in ALL])
def test_help_explains_every_option_with_an_example(path: str, empty_home) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(empty_home, *path.split(), "--help")
    assert r.code == 0, r.stderr
    assert "Example: " in r.stdout and "certyard " in r.stdout, r.stdout
    assert not LEAKED_METAVAR.search(r.stdout), LEAKED_METAVAR.search(r.stdout)
    for word in ("seed ", "CTL/ITL", "seed's"):
        assert word not in r.stdout
    cmd = dict(ALL)[path]
    for p in cmd.params:
        if p.param_type_name == "option":
            assert p.help, f"{path} {p.opts} has no help"
    if hasattr(cmd, "commands"):
        assert list(cmd.commands) == sorted(cmd.commands), f"{path}: commands not sorted"
    assert not Path(empty_home["CERTYARD_HOME"]).exists()


def test_root_commands_are_sorted() -> None:
    assert list(TREE.commands) == sorted(TREE.commands)


@pytest.mark.parametrize("path", [p for p, _ in LEAVES])
def test_unknown_option_is_one_line_exit_2(path: str, empty_home) -> None:  # type: ignore[no-untyped-def]
    cmd = dict(LEAVES)[path]
    r = run_cli(empty_home, *path.split(), *_required_args(cmd), "--no-such-option")
    _one_line_error(r)
    assert "--no-such-option" in r.stderr
    assert not Path(empty_home["CERTYARD_HOME"]).exists()


@pytest.mark.parametrize("path", [p for p, c in LEAVES
                                  if any(prm.required for prm in c.params)])
def test_missing_required_parameter_is_one_line_exit_2(path: str, empty_home) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(empty_home, *path.split())
    _one_line_error(r)
    assert "Missing" in r.stderr
    assert not Path(empty_home["CERTYARD_HOME"]).exists()


WRONG = {"int": "twelve", "float": "soon", "choice": "no-such-choice", "date": "yesterday"}
TYPED = [(path, p.name) for path, cmd in LEAVES for p in cmd.params
         if param_kind(p)[0] in WRONG]


def test_typed_options_exist() -> None:
    kinds = {param_kind(p)[0] for _, cmd in LEAVES for p in cmd.params}
    assert {"int", "float", "date"} <= kinds
    assert len(TYPED) > 50


@pytest.mark.parametrize(("path", "name"), TYPED)
def test_wrong_type_is_one_line_exit_2(path: str, name: str, empty_home) -> None:  # type: ignore[no-untyped-def]
    cmd = dict(LEAVES)[path]
    param = next(p for p in cmd.params if p.name == name)
    wrong = WRONG[param_kind(param)[0]]
    if param.param_type_name == "argument":
        args = [wrong if p is param else _placeholder(p) for p in cmd.params
                if p.param_type_name == "argument" and p.required]
        options = []
        for p in cmd.params:
            if p.param_type_name == "option" and p.required:
                options += [max(p.opts, key=len), _placeholder(p)]
        argv = [*path.split(), *options, *args]
    else:
        argv = [*path.split(), *_required_args(cmd, skip=param), max(param.opts, key=len),
                wrong]
    r = run_cli(empty_home, *argv)
    _one_line_error(r)
    assert wrong in r.stderr or "Invalid value" in r.stderr, r.stderr
    assert not Path(empty_home["CERTYARD_HOME"]).exists()
