"""The CLI's AppContext lives for one invocation: opened by the command that needs it,
disposed when main() returns, never shared with the next run."""

from __future__ import annotations

from typing import Any

from certyard.cli import context as cli_ctx
from tests.support.cli import run_cli

_SEEN: list[Any] = []  # module-level: the built command tree may keep an earlier closure


def test_each_invocation_opens_and_disposes_its_own_context(env: Any) -> None:
    from certyard.cli import main as cli_main

    _SEEN.clear()
    seen = _SEEN

    @cli_main.app.command("ctx-probe", hidden=True)
    def _probe() -> None:
        ctx = cli_ctx.cli_context(create=True)
        assert cli_ctx.cli_context() is ctx  # once per invocation
        seen.append(ctx)

    try:
        assert run_cli(env, "ctx-probe").code == 0
        assert run_cli(env, "ctx-probe").code == 0
    finally:
        cli_main.app.registered_commands.pop()
    assert len(seen) == 2 and seen[0] is not seen[1]
    assert cli_ctx.opened_context() is None  # nothing outlives main()
    # The engines were disposed: no pooled connection is left checked in.
    assert all(c.engine.pool.checkedin() == 0 for c in seen)
