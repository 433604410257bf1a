"""Example budgets for Hypothesis tests: what a test asks for in CI and locally, or the
long budget of scripts/fuzz.sh (FUZZ_EXAMPLES) when the ``fuzz`` profile is on."""

from __future__ import annotations

import os

__all__ = ["examples"]


def examples(n: int) -> int:
    if os.environ.get("CERTYARD_HYPOTHESIS_PROFILE") == "fuzz":
        return max(n, int(os.environ.get("FUZZ_EXAMPLES", "2000")))
    return n
