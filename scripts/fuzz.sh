#!/usr/bin/env bash
# Long, random fuzzing: the Hypothesis tests with a fresh random seed and a large example
# budget (CI runs the same tests derandomized with a small fixed budget, profile "ci").
# A failure prints the seed and the shrunk example; Hypothesis replays it on the next run
# from its example database (.hypothesis/). Extra arguments go to pytest.
#   FUZZ_EXAMPLES=20000 ./scripts/fuzz.sh tests/fuzz/test_parsers.py
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/_python.sh
pick_python fuzz.sh
export CERTYARD_HYPOTHESIS_PROFILE=fuzz
export FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-2000}
unset CI
if [ $# -eq 0 ]; then set -- tests/fuzz tests/x509/test_parse_fuzz.py; fi
exec "$PY" -m pytest -n "${CERTYARD_TEST_WORKERS:-2}" --timeout 0 \
  --hypothesis-show-statistics "$@"
