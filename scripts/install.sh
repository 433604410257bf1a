#!/usr/bin/env bash
# Installs certyard exactly as it was tested: every dependency from the hashed lock in
# requirements/, then certyard itself (editable) without resolving anything again.
#   ./scripts/install.sh          runtime (what `certyard serve` needs)
#   ./scripts/install.sh --test   runtime + test tools (what ./scripts/test.sh and CI use)
# PYTHON=/path/to/python picks the interpreter (default python3; a venv's python works).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
LOCK=requirements/runtime.lock
[ "${1:-}" = "--test" ] && LOCK=requirements/test.lock
PIP=("$PY" -m pip --disable-pip-version-check)
# Hash-checking mode and an editable install cannot share one pip call.
"${PIP[@]}" install -q --require-hashes -r "$LOCK"
"${PIP[@]}" install -q --no-deps -e .
