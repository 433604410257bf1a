#!/usr/bin/env bash
# Drift check (not part of CI; run it weekly or before a release): installs the NEWEST
# versions that the ranges in pyproject.toml allow into a fresh venv, ignoring the lock, and
# runs the suite there. Green: `./scripts/lock.sh --upgrade` can move the lock forward.
# Red: a new release broke something users would get from `pip install certyard` — fix
# the code or tighten the range in pyproject.toml before they see it.
# Extra arguments go to pytest (e.g. -m "not slow").
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/_python.sh
pick_python check-latest.sh  # the interpreter the throwaway venv is made from
# CHECK_LATEST_VENV=DIR keeps the throwaway venv in DIR (emptied first) to look at afterwards;
# never the project's own .venv/.
if [ -n "${CHECK_LATEST_VENV:-}" ]; then
  VENV=$CHECK_LATEST_VENV
  if [ "$(realpath -m "$VENV")" = "$(realpath -m .venv)" ]; then
    echo "check-latest.sh: CHECK_LATEST_VENV must not be the project's .venv/ (it is emptied)" >&2
    exit 2
  fi
else
  VENV=$(mktemp -d /tmp/certyard-latest.XXXXXX)
  trap 'rm -rf "$VENV"' EXIT
fi
"$PY" -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade \
  --upgrade-strategy eager -e ".[test]"
echo "newest allowed versions, differing from requirements/test.lock:"
# Names compared PEP 503-normalised (pip freeze says typing_extensions, the lock
# typing-extensions).
"$VENV/bin/python" -m pip freeze --exclude-editable | "$VENV/bin/python" -c '
import re, sys
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
locked = {norm(n): v for n, v in re.findall(r"^([A-Za-z0-9_.-]+)==([^ \\;]+)",
                                            open("requirements/test.lock").read(), re.M)}
for line in sys.stdin:
    if "==" in line:
        name, version = line.strip().split("==", 1)
        have = locked.get(norm(name))
        if have is None:
            print(f"  {name} {version} (not in the lock)")
        elif have != version:
            print(f"  {name} {have} -> {version}")
'
# As test.sh: the suite's `certyard` subprocesses come from this venv, missing peers fail
# (CI=true), and the checks before the tests are the same.
export PATH="$VENV/bin:$PATH" CI=true
unset PYTHONDONTWRITEBYTECODE
"$VENV/bin/python" -m ruff check src tests benchmarks
"$VENV/bin/python" -m mypy
"$VENV/bin/python" -c 'import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())' --no-cache
"$VENV/bin/python" -m pytest -n "${CERTYARD_TEST_WORKERS:-2}" --dist worksteal -p no:cacheprovider "$@"
