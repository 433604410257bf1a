#!/usr/bin/env bash
# Installs everything the test suite needs (Debian packages, then the exact pip lock in
# requirements/test.lock), then runs it. The suite starts its own servers (PostgreSQL, SMTP,
# SFTP, syslog, TLS peers) on loopback and stops them. Extra arguments go to pytest, e.g.
# the quick lane: ./scripts/test.sh -m "not slow".
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/_python.sh
# A PYTHON given is checked before anything is installed (unset: the project's .venv/).
if [ "${PYTHON+set}" = set ]; then pick_python test.sh; fi
DEBS=()
if [ "${PYTHON+set}" != set ] && [ ! -x .venv/bin/python ] && \
   ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  DEBS+=(python3-venv)  # Debian's python3 makes venvs only with it
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || DEBS+=(postgresql)
command -v openssl >/dev/null || DEBS+=(openssl)
command -v chromium >/dev/null || DEBS+=(chromium)
[ -x /usr/sbin/sshd ] || DEBS+=(openssh-server)
command -v swanctl >/dev/null || DEBS+=(strongswan-swanctl)
command -v sslscan >/dev/null || DEBS+=(sslscan)
command -v haproxy >/dev/null || DEBS+=(haproxy)
command -v systemd-analyze >/dev/null || DEBS+=(systemd)
command -v softhsm2-util >/dev/null || DEBS+=(softhsm2)  # the PKCS#11 token for CA keys
command -v pkcs11-tool >/dev/null || DEBS+=(opensc)
[ -x /usr/sbin/named ] || DEBS+=(bind9)  # the authoritative DNS server of ACME dns-01 tests
command -v nsupdate >/dev/null || DEBS+=(dnsutils)
# Real ACME clients for the ACME server tests (tests/acme/test_clients_*.py).
command -v certbot >/dev/null || DEBS+=(certbot)
command -v lego >/dev/null || DEBS+=(lego)
command -v dehydrated >/dev/null || DEBS+=(dehydrated)
if [ ${#DEBS[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${DEBS[*]} (run as root or install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${DEBS[@]}"
fi

./scripts/install.sh --test
pick_python test.sh
# The suite runs `certyard` (and the tools installed with it) as subprocesses: take them from
# the interpreter just installed into (a venv's bin/), never another certyard on PATH.
BIN=$("$PY" -c 'import os, sys; print(os.path.dirname(sys.executable))')
export PATH="$BIN:$PATH"
# Lint and types first: ruff and mypy are part of the suite (CONVENTIONS 11).
"$PY" -m ruff check src tests benchmarks
"$PY" -m mypy
# The architecture (ARCHITECTURE.md): layers, no cycles between rooms, a pure core.
"$PY" -c 'import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())' --no-cache
# The suite starts hundreds of Python processes (the CLI, servers, agents): let them share
# byte-code caches, even where the machine sets PYTHONDONTWRITEBYTECODE.
unset PYTHONDONTWRITEBYTECODE
# worksteal: an idle worker takes queued tests from a busy one (no long tail on one worker);
# the slowest tests are listed at the end so a slow-down shows in the log.
exec "$PY" -m pytest -n "${CERTYARD_TEST_WORKERS:-2}" --dist worksteal --durations=25 \
  -p no:cacheprovider "$@"
