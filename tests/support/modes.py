"""Prerequisites of FIPS mode and Enhanced Security Mode, as tests need them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["SECURITY_PASSWORD", "fips_ready", "fips_ready_cli"]

SECURITY_PASSWORD = "Security-Passw0rd-2026"  # 22 characters: long enough for FIPS mode


def fips_ready(ctx: Any) -> None:
    """Set the 14+ character security password FIPS mode needs (once)."""
    from certyard import backup

    if not backup.security_password_status(ctx).set:
        backup.set_security_password(ctx, SECURITY_PASSWORD)


def fips_ready_cli(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "security-password"
    path.write_text(SECURITY_PASSWORD)
    assert cli("security-password", "set", "--password-file", str(path)).code == 0
