"""Group commit: the database writes of concurrent requests in one transaction, one fsync.

A durable commit costs an fsync (SQLite ``synchronous=FULL``) or a WAL flush (PostgreSQL
``synchronous_commit=on``), milliseconds each; one per certificate caps issuance at a few
hundred a second whatever the CPU does. Here one writer thread per database engine takes
every unit of work queued while it was busy and handles them in one transaction:

1. ``prepare(session)`` of each unit, in order: reads and CPU work (checks, signing), no
   writes. A unit whose prepare raises gets its error; the others go on.
2. ``write(session, prepared)`` once per kind of unit, with every prepared value of that
   kind: multi-row inserts, one audit append. It returns one result per value.
3. One commit. Only then is each caller released with its result (or its error).

When a write or the commit fails, nothing of the batch is stored; the writer then retries
each unit of it alone (its own transaction), so one unit that cannot be stored does not
fail the others, and each caller gets its own outcome. A caller therefore returns only once
what it wrote is durable, exactly as with a transaction of its own.

From the event loop (``run_async``) on SQLite shared by several processes
(``share_sqlite_writes``), step 1 reads in its own snapshot and steps
2-3 run in a write transaction of their own, so the database's single write lock is held
only for the inserts and the commit, never through the signing (PostgreSQL's read committed
gives the same view). Units run one after another on the writer thread, so work that
orders records (the audit chain) stays linear without locks between them. The writer stops
after a short idle spell and the next unit starts it again.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from certyard.db.engine import READ_ONLY

__all__ = ["GroupCommit", "Prepare", "Write", "group_commit_for", "share_sqlite_writes"]

P = TypeVar("P")
R = TypeVar("R")
Prepare = Callable[[Session], P]
Write = Callable[[Session, list[Any]], Sequence[Any]]

MAX_BATCH = 256
_SHARED_SQLITE = [False]


def share_sqlite_writes(on: bool = True) -> None:
    """Several processes of this host write one SQLite file (``serve --https-workers`` > 1):
    a batch then reads in a snapshot and takes the write lock only for its writes, so
    another process's commit never stops this event loop. A single process keeps one write
    transaction per batch (the extra read transaction cost 15-25 % of the API issuance rate,
    measured with benchmarks/api_issuance.py)."""
    _SHARED_SQLITE[0] = on
IDLE_SECONDS = 5.0


class _Unit(Generic[R]):
    __slots__ = ("error", "notify", "prepare", "prepared", "result", "write")

    def __init__(self, prepare: Callable[[Session], Any], write: Write,
                 notify: Callable[[], object]) -> None:
        self.prepare = prepare
        self.write = write
        self.notify = notify
        self.prepared: Any = None
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """The writer of one engine. ``run(prepare, write)`` from a thread, ``await
    run_async(prepare, write)`` from the event loop; the result comes back once the
    transaction holding it is committed. ``write`` must be the same function object for
    units that may share one call (a module-level function)."""

    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._snapshot_reads = engine.dialect.name == "sqlite"
        self._queue: deque[_Unit[Any]] = deque()
        self._cond = threading.Condition()
        self._running = False
        self._loop_queues: dict[asyncio.AbstractEventLoop, list[_Unit[Any]]] = {}
        self._drainers: set[asyncio.Task[None]] = set()
        self._io: ThreadPoolExecutor | None = None
        self.batches = 0  # committed transactions (tests and benchmarks read these)
        self.units = 0

    def run(self, prepare: Callable[[Session], Any], write: Write) -> Any:
        done = threading.Event()
        unit: _Unit[Any] = _Unit(prepare, write, done.set)
        self._put(unit)
        done.wait()
        return self._outcome(unit)

    async def run_async(self, prepare: Callable[[Session], Any], write: Write) -> Any:
        """From the event loop, batched with the loop's other callers: the checks and the
        signing run on the loop itself (no hand-off of CPU work to a thread, so no GIL
        convoy against the loop's many small I/O calls), the writes and the commit on one
        I/O thread while the loop goes on serving; requests arriving meanwhile form the
        next batch."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not fut.done():
                fut.set_result(None)

        unit: _Unit[Any] = _Unit(prepare, write, wake)
        queue = self._loop_queues.get(loop)
        if queue is None:
            queue = self._loop_queues[loop] = []
            task = loop.create_task(self._drain(loop, queue))
            self._drainers.add(task)
            task.add_done_callback(self._drainers.discard)
        queue.append(unit)
        # The unit commits (or not) whether or not this caller still waits: shielded, so a
        # dropped connection does not cancel what may already be stored.
        await asyncio.shield(fut)
        return self._outcome(unit)

    async def _drain(self, loop: asyncio.AbstractEventLoop, queue: list[_Unit[Any]]) -> None:
        try:
            while True:
                # Let requests already read reach their unit before the batch is cut: yield
                # while the queue still grows (a few loop turns at most).
                for _ in range(8):
                    seen = len(queue)
                    await asyncio.sleep(0)
                    if len(queue) == seen:
                        break
                if not queue:
                    return
                batch = queue[: self.max_batch]
                del queue[: self.max_batch]
                try:
                    await self._commit_async(loop, batch)
                finally:
                    for unit in batch:
                        unit.notify()
        finally:
            if self._loop_queues.get(loop) is queue:
                del self._loop_queues[loop]
            for unit in queue:  # only when the loop is closing
                unit.error = unit.error or RuntimeError("the server is stopping")
                unit.notify()

    async def _commit_async(self, loop: asyncio.AbstractEventLoop,
                            batch: list[_Unit[Any]]) -> None:
        """Checks and signing (CPU) on the loop; the writes and the commit (database I/O,
        the fsync) on the writer's I/O thread, while the loop serves other requests."""
        if self._io is None:
            self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="certyard-commit")
        s = self._sessions()
        try:
            s.begin()
            if self._snapshot_reads and _SHARED_SQLITE[0]:
                # SQLite: the checks and the signing read in a snapshot (no lock), and only
                # the writes take the database's one write lock, on the I/O thread. A write
                # transaction opened here would hold that lock through the signing, and a
                # second process (``serve --https-workers``) would wait for it *on its
                # event loop*.
                s.connection(execution_options={READ_ONLY: True})
                groups = self._prepare_all(s, batch)
                s.close()
                await loop.run_in_executor(self._io, self._write_commit_new, groups)
            else:
                groups = self._prepare_all(s, batch)
                await loop.run_in_executor(self._io, self._write_commit, s, groups)
            self.batches += 1
            self.units += len(batch)
            return
        except Exception as exc:
            failed: BaseException = exc
        finally:
            s.close()  # rolls back what was not committed
        await loop.run_in_executor(self._io, self._retry, batch, failed)

    def _write_commit(self, s: Session, groups: dict[int, list[_Unit[Any]]]) -> None:
        self._write_all(s, groups)
        s.commit()

    def _write_commit_new(self, groups: dict[int, list[_Unit[Any]]]) -> None:
        with self._sessions() as s, s.begin():
            self._write_all(s, groups)

    @staticmethod
    def _outcome(unit: _Unit[Any]) -> Any:
        if unit.error is not None:
            raise unit.error
        return unit.result

    def _put(self, unit: _Unit[Any]) -> None:
        with self._cond:
            self._queue.append(unit)
            if not self._running:
                self._running = True
                threading.Thread(target=self._loop, name="certyard-group-commit",
                                 daemon=True).start()
            else:
                self._cond.notify()

    def _take(self) -> list[_Unit[Any]]:
        with self._cond:
            if not self._queue:
                self._cond.wait(IDLE_SECONDS)
            if not self._queue:
                self._running = False
                return []
            n = min(len(self._queue), self.max_batch)
            return [self._queue.popleft() for _ in range(n)]

    def _loop(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return
            try:
                self._commit(batch)
            finally:
                for unit in batch:
                    unit.notify()

    def _commit(self, batch: list[_Unit[Any]]) -> None:
        try:
            self._attempt(batch)
        except Exception as exc:
            self._retry(batch, exc)

    def _retry(self, batch: list[_Unit[Any]], failed: BaseException) -> None:
        """The shared write or commit failed: nothing of the batch is stored. Each unit
        that had not failed on its own is tried again alone."""
        live = [u for u in batch if u.error is None]
        if len(live) == 1 or len(batch) == 1:
            for u in live:
                u.result, u.error = None, failed
            return
        for u in live:  # alone, each gets its own outcome
            u.result = None
            try:
                self._attempt([u])
            except Exception as exc:
                u.result, u.error = None, exc

    def _attempt(self, units: list[_Unit[Any]]) -> None:
        with self._sessions() as s, s.begin():
            self._write_all(s, self._prepare_all(s, units))
        self.batches += 1
        self.units += len(units)

    @staticmethod
    def _prepare_all(s: Session, units: list[_Unit[Any]]) -> dict[int, list[_Unit[Any]]]:
        groups: dict[int, list[_Unit[Any]]] = {}
        for u in units:
            try:
                u.prepared = u.prepare(s)
            except Exception as exc:
                u.error = exc
                continue
            groups.setdefault(id(u.write), []).append(u)
        return groups

    @staticmethod
    def _write_all(s: Session, groups: dict[int, list[_Unit[Any]]]) -> None:
        for members in groups.values():
            results = members[0].write(s, [u.prepared for u in members])
            for u, r in zip(members, results, strict=True):
                u.result = r


_WRITERS: dict[int, GroupCommit] = {}
_WRITERS_LOCK = threading.Lock()


def group_commit_for(engine: Engine) -> GroupCommit:
    """The one writer of ``engine`` in this process."""
    with _WRITERS_LOCK:
        writer = _WRITERS.get(id(engine))
        if writer is None or writer.engine is not engine:
            writer = _WRITERS[id(engine)] = GroupCommit(engine)
            if len(_WRITERS) > 64:  # engines of finished contexts (tests): forget the oldest
                del _WRITERS[next(iter(_WRITERS))]
        return writer
