"""Running the real CLI entry point in-process, with its own environment."""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["CliResult", "run_cli"]


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(env: dict[str, str], *args: str, stdin: bytes = b"") -> CliResult:
    from certyard.cli import context as cli_ctx
    from certyard.cli.main import main

    saved_env = dict(os.environ)
    out, errb = io.BytesIO(), io.BytesIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    wrappers = (io.TextIOWrapper(io.BytesIO(stdin)),
                io.TextIOWrapper(out, write_through=True),
                io.TextIOWrapper(errb, write_through=True))
    sys.stdin, sys.stdout, sys.stderr = wrappers
    os.environ.update(env)
    cli_ctx.reset_context()
    try:
        code = main(list(args))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdin, sys.stdout, sys.stderr = saved
        for w in wrappers:
            w.detach()
        os.environ.clear()
        os.environ.update(saved_env)
        cli_ctx.reset_context()
    raw = out.getvalue()
    return CliResult(code=code, stdout=raw.decode(errors="replace"),
                     stderr=errb.getvalue().decode(errors="replace"), stdout_bytes=raw)
