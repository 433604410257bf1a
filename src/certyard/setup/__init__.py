"""Setting a home up: the first-run bootstrap every front end shares (cluster, initial
administrator, built-in CA with URLs that name the listener it serves on)."""

from __future__ import annotations

from certyard.setup.bootstrap import FirstRun, bootstrap

__all__ = ["FirstRun", "bootstrap"]
