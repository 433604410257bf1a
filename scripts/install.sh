#!/usr/bin/env bash
# Installs certyard exactly as it was tested: every dependency from the hashed lock in
# requirements/, then certyard itself (editable) without resolving anything again.
#   ./scripts/install.sh          runtime (what `certyard serve` needs)
#   ./scripts/install.sh --test   runtime + test tools (what ./scripts/test.sh and CI use)
# Into the project's venv .venv/ (created here; run .venv/bin/certyard, or activate it with
# `. .venv/bin/activate`), or into the interpreter PYTHON=/path/to/python names.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_python.sh

LOCK=requirements/runtime.lock
case "$#:${1:-}" in
  0:) ;;
  1:--test) LOCK=requirements/test.lock ;;
  *) echo "install.sh: unknown arguments: $* (use --test or nothing)" >&2; exit 2 ;;
esac
pick_python install.sh --create
PIP=("$PY" -m pip --disable-pip-version-check)
# Hash-checking mode and an editable install cannot share one pip call. The build backend
# comes from its own lock too, and certyard is built without build isolation, so nothing
# is fetched outside a lock.
"${PIP[@]}" install -q --require-hashes -r requirements/build.lock
"${PIP[@]}" install -q --require-hashes -r "$LOCK"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .
# pip byte-compiles what it installs but not an editable project: compile certyard here, or
# where PYTHONDONTWRITEBYTECODE is set (many containers) every `certyard` run compiles its
# ~300 modules again (about a second of CPU per command).
"$PY" -m compileall -q -j 0 src/certyard
