"""``db/heads.py`` (the schema check without alembic) matches the migration scripts, and its
answer for an up-to-date database is the full comparison's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from certyard.db import create_db_engine, migrate
from certyard.db.engine import alembic_config
from certyard.db.heads import HEADS, RECORDED
from certyard.db.schema import schema_status


def test_heads_are_the_scripts_heads() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert HEADS == tuple(sorted(script.get_heads())), (
        "a migration was added: update HEADS and RECORDED in src/certyard/db/heads.py")


def test_a_migrated_database_records_exactly_recorded(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    with engine.connect() as c:
        rows = tuple(sorted(c.execute(text("SELECT version_num FROM alembic_version"))
                            .scalars()))
    assert rows == RECORDED
    assert schema_status(engine).state == "current"
    # One row less: the full comparison runs, and says "behind" (nothing else changed).
    with engine.begin() as c:
        c.execute(text("DELETE FROM alembic_version WHERE version_num = 'ca0004'"))
        c.execute(text("INSERT INTO alembic_version VALUES ('ca0003')"))
    slow = schema_status(engine)
    assert slow.state == "behind" and slow.pending == ("ca0004",)
    engine.dispose()


def test_the_full_comparison_gives_the_fast_answer(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    fast = schema_status(engine)
    monkeypatch.setattr("certyard.db.schema.RECORDED", ("no such revision",))
    assert schema_status(engine) == fast
    engine.dispose()


def test_commands_start_without_alembic(tmp_path: Path) -> None:
    """A command on an up-to-date database loads neither alembic nor asyncssh (start-up)."""
    code = ("import sys, os\n"
            "from certyard.cli.main import main\n"
            "assert main(['init', '--name', 'h', '--fqdn', 'h.example.com']) == 0\n"
            "for m in [m for m in sys.modules if m.startswith(('alembic', 'asyncssh'))]:\n"
            "    del sys.modules[m]\n"
            "assert main(['node', 'list']) == 0\n"
            "print(sorted({m.split('.')[0] for m in sys.modules\n"
            "              if m.startswith(('alembic', 'asyncssh'))}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"CERTYARD_HOME": str(tmp_path / "home"),
                                          "CERTYARD_MASTER_KEY": "a" * 43 + "=",
                                          "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
