"""A per-process counter of committed changes to some tables, for in-memory caches.

A cache of rows read from the store (``accounts.authcache``, ``ca.batch_state``) must drop
what it holds when those rows change. A :class:`ChangeCounter` advances on every committed
insert, update or delete of its models made by any session of this process: through the
unit of work (mapper events) or as an ORM ``insert()``/``update()``/``delete()`` statement
(``do_orm_execute``; statements marked ``certyard_bookkeeping`` do not count). It advances
when the change is made and again after its commit, so a reader never keeps a value read
in between. Changes made by other processes are the cache's own business (a recheck time).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, object_session

__all__ = ["ChangeCounter"]


class ChangeCounter:
    def __init__(self, name: str, models: tuple[Any, ...], *,
                 ignore: Callable[[Any], bool] | None = None) -> None:
        self._value = 0
        self._lock = threading.Lock()
        self._key = f"certyard.watch.{name}"
        self._tables = frozenset(str(m.__tablename__) for m in models)
        self._ignore = ignore
        for model in models:  # mapper events fire only for these classes' rows
            for what in ("after_insert", "after_update", "after_delete"):
                event.listen(model, what, self._row_changed)
        event.listen(Session, "do_orm_execute", self._executed)
        event.listen(Session, "after_commit", self._committed)
        event.listen(Session, "after_rollback", self._rolled_back)

    def generation(self) -> int:
        return self._value

    def _bump(self) -> None:
        with self._lock:
            self._value += 1

    def _mark(self, session: Session | None) -> None:
        if session is not None:
            session.info[self._key] = True
        self._bump()  # readers drop what they hold now, and again after the commit

    def _row_changed(self, _mapper: Any, _connection: Any, target: Any) -> None:
        if self._ignore is None or not self._ignore(target):
            self._mark(object_session(target))

    def _executed(self, state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete or state.is_insert) \
                and not state.execution_options.get("certyard_bookkeeping"):
            table = getattr(state.statement, "table", None)
            if getattr(table, "name", None) in self._tables:
                self._mark(state.session)

    def _committed(self, session: Session) -> None:
        if session.info.pop(self._key, False):
            self._bump()

    def _rolled_back(self, session: Session) -> None:
        session.info.pop(self._key, None)
