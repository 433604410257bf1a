"""Real peers the suite talks to (Chromium, sslscan, swanctl, sshd, haproxy, openssl,
PostgreSQL...). On a developer's machine a missing peer skips its tests with the install
hint; under ``CI=true`` it FAILS them, so a CI run that lost a peer cannot stay green.

Use the marker ``@requires_peer(shutil.which("sslscan") is not None, "sslscan",
install="apt-get install sslscan")`` (applied by the ``pytest_runtest_setup`` hook in
tests/conftest.py), or call :func:`require_peer` inside a fixture or test.
"""

from __future__ import annotations

import os

import pytest

__all__ = ["in_ci", "require_peer", "requires_peer"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def requires_peer(available: bool, peer: str, *, install: str) -> pytest.MarkDecorator:
    """Marks a test (or a module, as ``pytestmark``) that needs a real ``peer``."""
    return pytest.mark.requires_peer(available=available, peer=peer, install=install)


def require_peer(available: bool, peer: str, *, install: str) -> None:
    """Skips the running test when ``peer`` is missing, or fails it under CI."""
    if available:
        return
    message = f"{peer} is required and missing ({install})"
    if in_ci():
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)
