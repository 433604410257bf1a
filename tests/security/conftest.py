"""Shared fixtures of the security suite: an in-process app with one user (and API token)
per built-in role, so each finding's test acts as the role the attacker had.

Each test module is named after the property it proves (``test_<property>.py``); the
threat model in ``docs/security.md`` points at them."""

from __future__ import annotations

import pytest

from tests.api.helpers import PASSWORD, ROLE_USERS, Harness, login_token, make_harness, sign_in

__all__ = ["PASSWORD", "ROLE_USERS", "Harness", "login_token", "sign_in"]



@pytest.fixture
def harness(ctx) -> Harness:  # type: ignore[no-untyped-def]
    """The HTTPS app over ASGI with a publisher node and one user per built-in role."""
    return make_harness(ctx)


@pytest.fixture
def harness_ca(ctx) -> Harness:  # type: ignore[no-untyped-def]
    """As ``harness``, with the built-in CA initialised."""
    return make_harness(ctx, with_ca=True)
