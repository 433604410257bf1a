"""Submit-and-issue through the group commit: concurrent callers share transactions, and
still every caller's certificate is stored (once, with a distinct serial, with its own audit
record), a caller that fails gets its own error without failing the others, and a batch
whose write fails is retried unit by unit. Both backends."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import event, func, select, text

from certyard import ca
from certyard.audit.query import verify_chain
from certyard.ca import direct
from certyard.ca.group_commit import GroupCommit, group_commit_for
from certyard.db.models.audit import AuditEvent
from certyard.db.models.ca import CaIssued, CaRequest
from certyard.errors import PolicyViolation
from tests.ca.helpers import make_csr, setup_ca

DEADLINE = 120.0


def _pem(cn: str) -> bytes:
    return make_csr(cn)[1].public_bytes(Encoding.PEM)


def _hold_writer(writer: GroupCommit) -> tuple[threading.Event, threading.Event]:
    """Occupy the writer with a unit that waits, so the next callers queue up and are
    taken as one batch when it is released."""
    entered, release = threading.Event(), threading.Event()

    def prepare(_s: Any) -> None:
        entered.set()
        assert release.wait(DEADLINE)

    def write(_s: Any, values: list[Any]) -> list[None]:
        return [None for _ in values]

    threading.Thread(target=writer.run, args=(prepare, write), daemon=True).start()
    assert entered.wait(DEADLINE)
    return entered, release


def _queued(writer: GroupCommit, n: int) -> None:
    """Until ``n`` units wait in the writer's queue."""
    done = threading.Event()
    for _ in range(int(DEADLINE / 0.01)):
        with writer._cond:
            if len(writer._queue) >= n:
                done.set()
                break
        done.wait(0.01)
    assert done.is_set(), "callers did not queue up"


def _in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            out[i] = calls[i]()
        except Exception as exc:  # the caller's own error, kept for the assertions
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
        assert not t.is_alive()
    return out


def test_concurrent_callers_share_commits_and_each_gets_its_own_outcome(ctx: Any) -> None:
    setup_ca(ctx)
    ca.configure_ca(ctx, allowed_domains=["example.com"])
    writer = group_commit_for(ctx.engine)
    _entered, release = _hold_writer(writer)
    batches_before = writer.batches
    names = [f"host{i}.example.com" for i in range(40)]
    bad = {5, 17, 33}  # outside the name policy: refused, alone
    calls = [(lambda n=n, i=i: ca.submit_and_issue(
        ctx, _pem(n if i not in bad else f"host{i}.evil.test"), profile="server"))
        for i, n in enumerate(names)]
    results: list[Any] = []
    t = threading.Thread(target=lambda: results.extend(_in_threads(calls)))
    t.start()
    _queued(writer, len(calls))
    release.set()
    t.join(DEADLINE)
    assert len(results) == len(calls)

    for i, r in enumerate(results):
        if i in bad:
            assert isinstance(r, PolicyViolation), r
        else:
            assert isinstance(r, ca.IssuedNow), r
    good = [r for r in results if isinstance(r, ca.IssuedNow)]
    # Batched: the 40 callers queued while the writer was busy went in very few commits.
    assert writer.batches - batches_before <= 3
    with ctx.read() as s:
        stored = {row.serial: row for row in s.scalars(select(CaIssued))}
        requests = {r.id: r for r in s.scalars(select(CaRequest))}
        audit = list(s.scalars(select(AuditEvent).where(
            AuditEvent.action == "ca.request.issue")))
    assert len(stored) == len(good) == len({r.serial for r in good})
    for r in good:
        row = stored[r.serial]
        cert = x509.load_pem_x509_certificate(r.pem.encode())
        assert row.der == cert.public_bytes(Encoding.DER)
        assert format(cert.serial_number, "x") == r.serial
        assert row.request_id == r.request_id
        req = requests[r.request_id]
        assert (req.state, req.serial, req.profile) == ("issued", r.serial, "server")
        assert r.chain_pem.count("BEGIN CERTIFICATE") == 2  # intermediate and root
    # One audit record per certificate, naming it; the chain still verifies.
    assert sorted(e.details["serial"] for e in audit) == sorted(r.serial for r in good)
    assert verify_chain(ctx).ok


def test_a_batch_whose_write_fails_is_retried_unit_by_unit(ctx: Any) -> None:
    setup_ca(ctx)
    first = ca.submit_and_issue(ctx, _pem("first.example.com"), profile="server")
    writer = group_commit_for(ctx.engine)
    prof = ca.PROFILES["server"]

    def clashing(s: Any) -> Any:
        # A unit whose serial is taken: the multi-row INSERT of its batch fails on the
        # unique constraint, every time.
        p = direct._prepare_unit(ctx, make_csr("clash.example.com")[1], prof, None, None)(s)
        return dataclasses.replace(p, issued={**p.issued, "serial": first.serial},
                                   request={**p.request, "serial": first.serial})

    _entered, release = _hold_writer(writer)
    calls: list[Callable[[], Any]] = [
        lambda i=i: writer.run(direct._prepare_unit(
            ctx, make_csr(f"ok{i}.example.com")[1], prof, None, None), direct._write)
        for i in range(6)]
    calls.insert(3, lambda: writer.run(clashing, direct._write))
    results: list[Any] = []
    t = threading.Thread(target=lambda: results.extend(_in_threads(calls)))
    t.start()
    _queued(writer, len(calls))
    release.set()
    t.join(DEADLINE)
    assert "IntegrityError" in type(results[3]).__name__ or "unique" in str(results[3]).lower()
    ok = [r for i, r in enumerate(results) if i != 3]
    assert all(isinstance(r, tuple) for r in ok), ok
    with ctx.read() as s:
        serials = set(s.scalars(select(CaIssued.serial)))
        n_requests = s.scalar(select(func.count()).select_from(CaRequest))
    assert serials == {first.serial} | {r[0]["serial"] for r in ok}
    assert n_requests == 1 + len(ok)  # the clashing unit left no request behind
    assert verify_chain(ctx).ok


def test_a_failing_commit_fails_every_caller_of_the_batch(ctx: Any) -> None:
    """When the store cannot commit at all, no caller is told its certificate exists."""
    setup_ca(ctx)
    writer = GroupCommit(ctx.engine)
    prof = ca.PROFILES["server"]

    def refuse(_conn: Any) -> None:
        raise RuntimeError("disk full")

    event.listen(ctx.engine, "commit", refuse)
    try:
        results = _in_threads([lambda i=i: writer.run(direct._prepare_unit(
            ctx, make_csr(f"x{i}.example.com")[1], prof, None, None), direct._write)
            for i in range(4)])
    finally:
        event.remove(ctx.engine, "commit", refuse)
    assert all(isinstance(r, RuntimeError) and "disk full" in str(r) for r in results), \
        results
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(CaIssued)) == 0


def test_commits_are_durable(ctx: Any, backend: str) -> None:
    """SQLite fsyncs every commit (synchronous=FULL in WAL mode); PostgreSQL flushes the
    WAL before a commit returns (synchronous_commit=on), whatever the server's default."""
    with ctx.engine.connect() as conn:
        if backend == "sqlite":
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        else:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_another_writer_never_stops_the_event_loop(ctx: Any) -> None:
    """SQLite has one write lock per database. Another process holding it (a second
    ``serve --https-workers`` process committing its batch) must not stop this process's
    event loop: the checks and the signing read in a snapshot, and only the commit waits
    for the lock, on the writer's I/O thread. The certificate is stored once it is free."""
    import asyncio
    import sqlite3

    setup_ca(ctx)
    other = sqlite3.connect(ctx.engine.url.database, isolation_level=None, timeout=60,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other process's write transaction
    order: list[str] = []
    release = threading.Event()

    def holder() -> None:
        release.wait(45)  # a fallback only: the test releases it once the loop turned
        order.append("lock released")
        other.execute("COMMIT")

    thread = threading.Thread(target=holder, daemon=True)
    thread.start()

    async def scenario() -> direct.IssuedNow:
        task = asyncio.ensure_future(direct.submit_and_issue_async(
            ctx, _pem("loop.example.com"), profile="server"))
        for _ in range(200):  # the loop keeps turning while the lock is held elsewhere
            await asyncio.sleep(0)
        order.append("loop turned")
        release.set()
        return await task

    try:
        issued = asyncio.run(scenario())
    finally:
        release.set()
        thread.join(DEADLINE)
        other.close()
    assert order == ["loop turned", "lock released"]
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(CaIssued)
                        .where(CaIssued.serial == issued.serial)) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_writers_turn_lock_is_owner_only(ctx: Any) -> None:
    """SQLite: the serve processes take turns through ``<database>-commit.lock``; a lock
    file found readable by others (another umask, someone else's copy) is tightened to
    0600 before it is used, so no other user can hold it and stall issuance."""
    import asyncio
    import os
    import stat

    setup_ca(ctx)
    path = str(ctx.engine.url.database) + "-commit.lock"
    with open(path, "w"):
        pass
    os.chmod(path, 0o644)
    view = asyncio.run(direct.submit_and_issue_async(ctx, _pem("turn.example.com"),
                                                     profile="server"))
    assert view.serial
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
