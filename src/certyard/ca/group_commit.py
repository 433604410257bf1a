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

From the event loop (``run_async``) step 1 runs at once, in the caller's task on the loop,
in a read-only session (it reads only when a unit needs state it does not keep, and then in
a snapshot that takes no lock), and steps 2-3 in a write transaction of their own on one
I/O thread, so a database's write lock (SQLite has one per file, shared with ``serve
--https-workers`` processes) is held only for the inserts and the commit, never through
the signing. One commit at a time runs per loop; it first takes the lock that orders
writers (another ``serve`` worker may hold it) and then every unit prepared meanwhile, so
the loop signs while the database syncs and a commit that had to wait carries more.
Batches commit in order, one after another on the I/O thread, so work that orders records
(the audit chain) stays linear without locks between them. The thread writer (``run``)
stops after a short idle spell and the next unit starts it again.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from certyard.audit import serialise_appends
from certyard.db.engine import READ_ONLY

__all__ = ["GroupCommit", "Prepare", "Write", "group_commit_for"]

P = TypeVar("P")
R = TypeVar("R")
Prepare = Callable[[Session], P]
Write = Callable[[Session, list[Any]], Sequence[Any]]

MAX_BATCH = 256
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
        self._read_sessions = sessionmaker(engine.execution_options(**{READ_ONLY: True}),
                                           expire_on_commit=False)
        self._queue: deque[_Unit[Any]] = deque()
        self._cond = threading.Condition()
        self._running = False
        # Per event loop: the units prepared and waiting for a commit, and the task
        # committing them (at most one per loop).
        self._loop_queues: dict[asyncio.AbstractEventLoop, deque[_Unit[Any]]] = {}
        self._committing: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}
        self._readers: dict[asyncio.AbstractEventLoop, Session] = {}
        self._drainers: set[asyncio.Task[None]] = set()
        self._io: ThreadPoolExecutor | None = None
        self._turns = _Turns.of(engine)
        self.batches = 0  # committed transactions (tests and benchmarks read these)
        self.units = 0

    def run(self, prepare: Callable[[Session], Any], write: Write) -> Any:
        done = threading.Event()
        unit: _Unit[Any] = _Unit(prepare, write, done.set)
        self._put(unit)
        done.wait()
        return self._outcome(unit)

    async def run_async(self, prepare: Callable[[Session], Any], write: Write) -> Any:
        """From the event loop: the checks and the signing run at once on the loop itself
        (no hand-off of CPU work to a thread, so no GIL convoy against the loop's many
        small I/O calls); the unit then waits for the loop's next commit. One commit at a
        time runs on the I/O thread, taking every unit prepared while the one before it
        ran, so the loop signs while the database syncs."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not fut.done():
                fut.set_result(None)

        unit: _Unit[Any] = _Unit(prepare, write, wake)
        unit.prepared = self._prepare_one(loop, prepare)  # a refusal is raised here
        waiting = self._loop_queues.get(loop)
        if waiting is None:
            waiting = self._loop_queues[loop] = deque()
        waiting.append(unit)
        if loop not in self._committing:
            task = loop.create_task(self._commit_waiting(loop, waiting))
            self._committing[loop] = task
            self._drainers.add(task)
            task.add_done_callback(self._drainers.discard)
        # The unit commits (or not) whether or not this caller still waits: shielded, so a
        # dropped connection does not cancel what may already be stored.
        await asyncio.shield(fut)
        return self._outcome(unit)

    def _prepare_one(self, loop: asyncio.AbstractEventLoop,
                     prepare: Callable[[Session], Any]) -> Any:
        """A unit's checks and signing, in the loop's read-only session. It reads only when
        the unit needs state it does not keep (``ca.batch_state``), and then in a snapshot
        that takes no lock (SQLite: a deferred transaction), ended as soon as the unit is
        prepared, so a batch committing on the I/O thread, or another process's writer,
        never waits for it, nor it for them. A unit that reads nothing costs no session of
        its own (a new Session and its empty transaction cost more than many checks)."""
        s = self._readers.get(loop)
        if s is None:
            if len(self._readers) > 8:  # loops of finished threads (tests)
                for old in [k for k in self._readers if k.is_closed()]:
                    del self._readers[old]
            s = self._readers[loop] = self._read_sessions()
        try:
            return prepare(s)
        finally:
            if s.in_transaction():  # it read: end its snapshot now
                s.close()

    async def _commit_waiting(self, loop: asyncio.AbstractEventLoop,
                              waiting: deque[_Unit[Any]]) -> None:
        """Commit what waits, batch after batch, until nothing does; each caller is
        released once its outcome is known."""
        try:
            while waiting:
                if self._io is None:
                    self._io = ThreadPoolExecutor(max_workers=1,
                                                  thread_name_prefix="certyard-commit")
                batch = await loop.run_in_executor(self._io, self._take_and_commit, waiting)
                for unit in batch:
                    unit.notify()
        finally:
            self._committing.pop(loop, None)
            if self._loop_queues.get(loop) is waiting:
                del self._loop_queues[loop]
            while waiting:  # only when cancelled: the loop is stopping
                unit = waiting.popleft()
                unit.error = unit.error or RuntimeError("the server is stopping")
                unit.notify()

    def _take_and_commit(self, waiting: deque[_Unit[Any]]) -> list[_Unit[Any]]:
        """On the I/O thread: open a write transaction and take the lock that orders
        writers (``audit.serialise_appends``: another ``serve`` worker may hold it), and only
        then take every unit waiting (up to ``max_batch``): whatever arrived while this
        writer waited joins its commit. Write, commit; on failure each unit alone."""
        batch: list[_Unit[Any]] = []
        try:
            with self._turns, self._sessions() as s, s.begin():
                serialise_appends(s)
                for _ in range(min(len(waiting), self.max_batch)):
                    batch.append(waiting.popleft())
                groups: dict[int, list[_Unit[Any]]] = {}
                for u in batch:
                    groups.setdefault(id(u.write), []).append(u)
                self._write_all(s, groups)
            if batch:
                self.batches += 1
                self.units += len(batch)
        except Exception as exc:
            if not batch:  # the transaction or the lock failed: the waiting units try alone
                for _ in range(min(len(waiting), self.max_batch)):
                    batch.append(waiting.popleft())
            self._retry(batch, exc)
        return batch

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


class _Turns:
    """SQLite: the group-commit writers of every process on one database file take turns
    through an advisory lock on ``<database>-commit.lock`` (``flock``) before they ask for
    SQLite's write lock. SQLite's own wait for a busy database sleeps in growing steps (up
    to 100 ms) and may miss every moment the lock is free, so a ``serve --https-workers``
    process could wait for seconds while another commits batch after batch; a waiter on
    the file lock is woken the moment it is released. Other writers (the CLI, jobs) still
    meet SQLite's lock alone. PostgreSQL: nothing (its advisory lock queues waiters)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def of(cls, engine: Engine) -> _Turns:
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:"):
            return cls(None)
        return cls(database + "-commit.lock")

    def __enter__(self) -> None:
        if self.path is None:
            return
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
                         0o600)
            if os.fstat(fd).st_mode & 0o077:  # made by someone else, or under another umask:
                os.fchmod(fd, 0o600)  # only certyard's own user may take (and hold) turns
            self._fd = fd
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def __del__(self) -> None:
        if self._fd is not None:
            os.close(self._fd)


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
