# Sourced by the scripts in scripts/: picks the interpreter they install into and run.
#   PYTHON=/path/to/python   that interpreter (e.g. another venv's python)
#   PYTHON unset             the project's own venv, .venv/ (created on first use)
# Either way it must answer as Python 3.11+; anything else is one line and exit 2, before
# anything is installed.

# pick_python NAME [--create]: sets PY. NAME prefixes the messages; --create makes .venv/
# when PYTHON is unset and .venv/ does not exist yet.
pick_python() {
  local name=$1 create=${2:-} created=
  if [ "${PYTHON+set}" = set ]; then
    if [ -z "$PYTHON" ]; then
      echo "$name: PYTHON is set but empty; unset it (the project's .venv/) or name an interpreter" >&2
      exit 2
    fi
    PY=$PYTHON
  else
    PY=$PWD/.venv/bin/python
    if [ ! -x "$PY" ]; then
      if [ "$create" != --create ]; then
        echo "$name: no .venv/ yet: run ./scripts/install.sh first (or set PYTHON)" >&2
        exit 2
      fi
      if ! python3 -m venv .venv >/dev/null 2>&1; then
        rm -rf .venv
        echo "$name: python3 -m venv .venv failed: install python3.11+ with venv" \
             "(Debian: apt-get install python3-venv), or set PYTHON" >&2
        exit 2
      fi
      created=1
    fi
  fi
  # The interpreter must say so itself: a program that merely exits 0 is not accepted.
  local said
  said=$("$PY" -c 'import sys; print("python-ok" if sys.version_info >= (3, 11) else "python-old")' 2>/dev/null || true)
  if [ "$said" != python-ok ]; then
    [ -n "$created" ] && rm -rf .venv
    echo "$name: $PY is not a Python 3.11+ interpreter (PYTHON=${PYTHON-unset})" >&2
    exit 2
  fi
}
