"""Finding 17: the audit chain is keyed with a key derived from the master key (kept outside
the database): someone who can write the database cannot delete or edit records and re-chain
the rest undetected; a store written with the old unkeyed chain is re-keyed once on upgrade,
with a marker record that says whether its old chain was intact."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import delete, select, update

from certyard.audit import record_event
from certyard.audit.query import verify_chain
from certyard.audit.trail import GENESIS, HEAD, KEYED_MARKER, fields_of
from certyard.config import Settings
from certyard.context import open_context
from certyard.db.models.audit import AuditEvent
from certyard.db.models.cluster import Setting


@pytest.fixture
def backend() -> str:
    return "sqlite"  # tests/audit runs the chain and export on both backends


def _fill(ctx, n: int = 5) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        with ctx.transaction() as s:
            record_event(s, ctx, action="certificate.upload", target=f"obj-{i}",
                         details={"i": i})


def _sha_rechain(ctx) -> None:  # type: ignore[no-untyped-def]
    """What an attacker with database access (and no master key) can do: recompute every
    hash as the public algorithm says and move the head."""
    with ctx.transaction() as s:
        prev, last = GENESIS, None
        for row in s.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            body = json.dumps(fields_of(row), sort_keys=True, separators=(",", ":"),
                              default=str)
            row.prev_hash = prev
            row.hash = hashlib.sha256((prev + body).encode()).hexdigest()
            prev, last = row.hash, row
            s.flush()
        head = s.get(Setting, HEAD)
        head.value = {**head.value, "id": last.id, "hash": last.hash}


def test_deleting_and_rechaining_is_detected(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    assert verify_chain(ctx).ok
    with ctx.transaction() as s:
        victim = sorted(s.scalars(select(AuditEvent.id)))[2]
        s.execute(delete(AuditEvent).where(AuditEvent.id == victim))
    _sha_rechain(ctx)
    report = verify_chain(ctx)
    assert not report.ok
    assert "edited" in {p["problem"] for p in report.problems}


def test_cutting_the_tail_and_moving_the_head_is_detected(ctx) -> None:  # type: ignore[no-untyped-def]
    """The head names the newest record and is keyed too: pointing it at an older record
    after deleting the newest ones is caught, and stays caught after later records."""
    _fill(ctx, 6)
    with ctx.transaction() as s:
        rows = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        keep = rows[3]
        s.execute(delete(AuditEvent).where(AuditEvent.id > keep.id))
        head = s.get(Setting, HEAD)
        head.value = {**head.value, "id": keep.id, "hash": keep.hash}
    report = verify_chain(ctx)
    assert not report.ok and "head_forged" in {p["problem"] for p in report.problems}
    _fill(ctx, 2)  # legitimate records afterwards do not hide it
    report = verify_chain(ctx)
    assert not report.ok and "head_forged" in {p["problem"] for p in report.problems}


def test_editing_and_rechaining_with_a_guessed_key_is_detected(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    with ctx.transaction() as s:
        s.execute(update(AuditEvent).where(AuditEvent.target == "obj-1")
                  .values(outcome="failure"))
    _sha_rechain(ctx)
    assert not verify_chain(ctx).ok
    # Stripping the scheme from the head does not get the rewrite blessed on next start.
    with ctx.transaction() as s:
        head = s.get(Setting, HEAD)
        head.value = {k: v for k, v in head.value.items() if k != "scheme"}
    again = open_context(ctx.settings)
    try:
        assert not verify_chain(again).ok
    finally:
        again.engine.dispose()


def test_unkeyed_store_is_rekeyed_once_on_upgrade(env) -> None:  # type: ignore[no-untyped-def]
    ctx = open_context(Settings.from_env(env))
    try:
        _fill(ctx, 4)
        # Make the store look as the previous release left it: a plain SHA-256 chain, no
        # marker and a head without a scheme.
        with ctx.transaction() as s:
            s.execute(delete(AuditEvent).where(AuditEvent.action == KEYED_MARKER))
        _sha_rechain(ctx)
        with ctx.transaction() as s:
            head = s.get(Setting, HEAD)
            head.value = {"id": head.value["id"], "hash": head.value["hash"]}
    finally:
        ctx.engine.dispose()
    upgraded = open_context(Settings.from_env(env))
    try:
        report = verify_chain(upgraded)
        assert report.ok, report.problems
        with upgraded.read() as s:
            marker = s.scalars(select(AuditEvent).where(AuditEvent.action == KEYED_MARKER)
                               ).one()
        assert marker.details["rekeyed_records"] == 4
        assert marker.details["legacy_chain_intact"] is True
        # Once: opening again changes nothing.
        n = report.checked
        upgraded2 = open_context(Settings.from_env(env))
        assert verify_chain(upgraded2).checked == n
        upgraded2.engine.dispose()
    finally:
        upgraded.engine.dispose()


def test_verify_on_the_cli_fails_after_tampering(cli, ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    _sha_rechain(ctx)
    r = cli("audit", "verify")
    assert r.code != 0
