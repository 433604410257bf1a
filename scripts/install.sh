#!/usr/bin/env bash
# Installs certyard exactly as it was tested: every dependency from the hashed lock in
# requirements/, then certyard itself (editable) without resolving anything again.
#   ./scripts/install.sh          runtime (what `certyard serve` needs)
#   ./scripts/install.sh --test   runtime + test tools (what ./scripts/test.sh and CI use)
# PYTHON=/path/to/python picks the interpreter (default python3; a venv's python works).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${PYTHON+set}" = set ] && [ -z "$PYTHON" ]; then
  echo "install.sh: PYTHON is set but empty; unset it (python3) or name an interpreter" >&2
  exit 2
fi
PY=${PYTHON:-python3}
LOCK=requirements/runtime.lock
case "${1:-}" in
  "") ;;
  --test) LOCK=requirements/test.lock ;;
  *) echo "install.sh: unknown option ${1} (use --test or nothing)" >&2; exit 2 ;;
esac
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "install.sh: $PY is not a Python 3.11+ interpreter (PYTHON=$PY)" >&2
  exit 2
fi
PIP=("$PY" -m pip --disable-pip-version-check)
# Hash-checking mode and an editable install cannot share one pip call. The build backend
# comes from its own lock too, and certyard is built without build isolation, so nothing
# is fetched outside a lock.
"${PIP[@]}" install -q --require-hashes -r requirements/build.lock
"${PIP[@]}" install -q --require-hashes -r "$LOCK"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .
