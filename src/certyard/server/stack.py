"""The server stack ``certyard serve`` runs, checked before anything else is imported.

``server/run.py`` imports uvicorn and uvloop at module level, so a missing one would be an
import error mid-start; this module imports neither."""

from __future__ import annotations

__all__ = ["check_server_stack"]


def check_server_stack() -> None:
    """The server stack the lock installs (uvloop, httptools, uvicorn) must be importable:
    say which part is missing before anything is created, rather than fail mid-start."""
    import importlib.util

    from certyard.errors import NotInstalled

    missing = [m for m in ("uvloop", "httptools", "uvicorn")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise NotInstalled(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
                           "installed: certyard serve runs the stack of the lock "
                           "(./scripts/install.sh)")
