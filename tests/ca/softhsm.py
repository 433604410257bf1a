"""A real SoftHSM2 token for the PKCS#11 tests: a fresh token directory and configuration
per test session, initialised with ``softhsm2-util --init-token --free``."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.peers import require_peer, requires_peer

__all__ = ["MODULE", "SoftHsm", "make_softhsm", "needs_softhsm", "softhsm", "unique_label"]

_CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so",
               "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
               "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")
MODULE = next((p for p in _CANDIDATES if os.path.isfile(p)), _CANDIDATES[0])

# Skips without SoftHSM2 on a developer's machine; fails under CI=true (tests/support/peers).
needs_softhsm = requires_peer(
    os.path.isfile(MODULE) and shutil.which("softhsm2-util") is not None, "SoftHSM2",
    install="apt-get install softhsm2 (scripts/test.sh installs it)")


@dataclass(frozen=True)
class SoftHsm:
    conf: Path
    tokens: Path
    label: str
    pin: str
    pin_file: Path
    module: str = MODULE

    def env(self) -> dict[str, str]:
        return {"SOFTHSM2_CONF": str(self.conf)}

    def add_token(self, label: str) -> None:
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                        "--pin", self.pin, "--so-pin", "so-" + self.pin],
                       env={**os.environ, **self.env()}, check=True, capture_output=True)


def make_softhsm(root: Path, label: str = "certyard-test") -> SoftHsm:
    tokens = root / "tokens"
    tokens.mkdir(parents=True)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    pin_file = root / "pin"
    pin_file.write_text("4821-test\n")
    hsm = SoftHsm(conf=conf, tokens=tokens, label=label, pin="4821-test", pin_file=pin_file)
    hsm.add_token(label)
    return hsm


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> SoftHsm:
    """One fresh token per test session. SoftHSM reads SOFTHSM2_CONF when the module is
    initialised, and a process loads the module once, so the configuration is set for the
    whole session."""
    require_peer(os.path.isfile(MODULE) and shutil.which("softhsm2-util") is not None,
                 "SoftHSM2", install="apt-get install softhsm2")
    # Each test module that imports this fixture gets its own copy of it: keep one token
    # per process, since the module only ever reads the first configuration.
    if not _PROCESS:
        _PROCESS.append(make_softhsm(tmp_path_factory.mktemp("softhsm")))
    hsm = _PROCESS[0]
    os.environ.update(hsm.env())
    return hsm


_PROCESS: list[SoftHsm] = []


def unique_label(prefix: str = "t") -> str:
    import secrets

    return f"{prefix}-{secrets.token_hex(4)}"
