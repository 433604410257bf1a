"""The schema revisions this code ends at, known without loading alembic.

Every certyard process checks the database's schema when it opens it; loading alembic (and,
through it, mako, pygments and every dialect's DDL) and parsing the migration scripts for
that cost about a tenth of a command's start-up. A database whose ``alembic_version`` rows
are exactly ``RECORDED`` is at this code's heads; anything else takes the full comparison
in ``db/schema.py``. ``tests/db/test_heads.py`` fails when a migration is added and these are
not updated with it.
"""

from __future__ import annotations

__all__ = ["HEADS", "RECORDED"]

# The code's heads (``alembic heads``), sorted.
HEADS: tuple[str, ...] = (
    "accounts0002", "acme0001", "agent_access0001", "bulk0001", "ca0004", "f0001",
    "ipsec0001", "monitor0002", "policy0001",
)
# The rows a database upgraded to those heads holds (``f0001`` is implied by the branches
# that depend on it, not recorded), sorted.
RECORDED: tuple[str, ...] = tuple(h for h in HEADS if h != "f0001")
