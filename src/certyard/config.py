"""Settings read from the environment. Every setting is listed in README.md (a test checks)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = ["SETTINGS_DOC", "Settings"]

# name -> one-line description; README.md must mention each (tests/test_docs.py).
SETTINGS_DOC: dict[str, str] = {
    "CERTYARD_HOME": "state directory (SQLite database, master key); default: the user data dir",
    "CERTYARD_DATABASE_URL": "SQLAlchemy URL; default sqlite:///$CERTYARD_HOME/certyard.db",
    "CERTYARD_MASTER_KEY": "base64 of the 32-byte key that encrypts private keys at rest",
    "CERTYARD_MASTER_KEY_FILE": "file holding the master key; default $CERTYARD_HOME/master.key",
    "CERTYARD_PURPOSES_FILE": "extra purposes (JSON list) loaded by `certyard init`",
    "CERTYARD_MAX_UPLOAD_BYTES": "largest certificate/CSR/PKCS#7 file accepted; default 1048576",
    "CERTYARD_BACKUP_PASSWORD": "security password for `certyard backup`/`restore` (else asked)",
    "CERTYARD_LOG_FORMAT": "text, json or journal (default: journal under systemd, else text)",
    "CERTYARD_LOG_LEVEL": "debug, info, warning, error or critical",
}


@dataclass(frozen=True, kw_only=True)
class Settings:
    home: Path
    database_url: str
    master_key_b64: str | None
    master_key_file: Path
    purposes_file: Path | None
    max_upload_bytes: int

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        home = Path(env.get("CERTYARD_HOME") or platformdirs.user_data_dir("certyard"))
        url = env.get("CERTYARD_DATABASE_URL") or f"sqlite:///{home / 'certyard.db'}"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        key_file = Path(env.get("CERTYARD_MASTER_KEY_FILE") or home / "master.key")
        purposes = env.get("CERTYARD_PURPOSES_FILE")
        return cls(
            home=home,
            database_url=url,
            master_key_b64=env.get("CERTYARD_MASTER_KEY") or None,
            master_key_file=key_file,
            purposes_file=Path(purposes) if purposes else None,
            max_upload_bytes=int(env.get("CERTYARD_MAX_UPLOAD_BYTES") or 1024 * 1024),
        )
