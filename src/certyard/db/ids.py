"""Primary keys for rows a transaction inserts in bulk without ``RETURNING``.

A multi-row INSERT that must hand back each row's id in order costs a statement per row on
SQLite (SQLAlchemy cannot trust the order of SQLite's RETURNING) and a large, uncached
statement on PostgreSQL. Group-committed issuance inserts three rows per certificate
(request, certificate, audit record), so it takes the ids first and inserts with them, one
``executemany`` per table.
"""

from __future__ import annotations

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

__all__ = ["reserve_ids"]


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new values, in increasing order, for the integer primary key ``id`` of
    ``table``, to insert with in this transaction.

    PostgreSQL: drawn from the column's sequence, so concurrent writers never collide (an id
    drawn and not used is a gap, as after any rolled-back insert). SQLite: the ids after the
    highest one, as SQLite itself picks a new rowid; that is only safe while this
    transaction holds the database's write lock, so call it in a write transaction after
    its first statement (certyard begins every write transaction IMMEDIATE,
    ``db.engine``)."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        drawn = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :count)"),
            {"table": table.name, "count": count}).scalars().all()
        return sorted(int(i) for i in drawn)
    top = int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
    return list(range(top + 1, top + 1 + count))
