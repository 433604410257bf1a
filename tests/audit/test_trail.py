"""The audit trail: chain verification, filtered listing, export and read access."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import delete, update

from certyard.audit import record_event
from certyard.audit.query import AuditFilter, export_events, list_events, verify_chain
from certyard.context import Actor
from certyard.db.models.audit import AuditEvent
from certyard.errors import InvalidInput, PermissionDenied


def _fill(ctx, n: int = 5) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        with ctx.transaction() as s:
            record_event(s, ctx, action="certificate.upload" if i % 2 else "account.login",
                         target=f"obj-{i}", outcome="success" if i != 3 else "failure",
                         details={"i": i, "note": "ünïcode, \"quoted\""})


def test_intact_chain_verifies(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    report = verify_chain(ctx)
    # 5 records and the marker that opens a keyed trail
    assert report.ok and report.checked == 6 and report.problems == []


def test_edited_record_is_detected(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    with ctx.transaction() as s:
        third = sorted(s.query(AuditEvent.id).all())[3][0]
        s.execute(update(AuditEvent).where(AuditEvent.id == third).values(outcome="failure"))
    report = verify_chain(ctx)
    assert not report.ok
    assert [(p["id"], p["problem"]) for p in report.problems] == [(third, "edited")]


def test_record_with_unreadable_details_is_an_edit_not_a_crash(ctx) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    _fill(ctx)
    with ctx.transaction() as s:
        third = sorted(s.query(AuditEvent.id).all())[3][0]
        if s.get_bind().dialect.name == "postgresql":  # JSON column: a string, not an object
            s.execute(text("UPDATE audit_event SET details = to_json('not an object'::text) "
                           "WHERE id = :i"), {"i": third})
        else:
            s.execute(text("UPDATE audit_event SET details = '{not json' WHERE id = :i"),
                      {"i": third})
    report = verify_chain(ctx)
    assert [(p["id"], p["problem"]) for p in report.problems] == [(third, "edited")]


def test_removed_record_is_detected(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    with ctx.transaction() as s:
        ids = sorted(r[0] for r in s.query(AuditEvent.id).all())
        s.execute(delete(AuditEvent).where(AuditEvent.id == ids[2]))
    report = verify_chain(ctx)
    assert [(p["id"], p["problem"]) for p in report.problems] == [(ids[3], "removed")]


def test_records_removed_from_the_end_are_detected(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    with ctx.transaction() as s:
        last = max(r[0] for r in s.query(AuditEvent.id).all())
        s.execute(delete(AuditEvent).where(AuditEvent.id == last))
    report = verify_chain(ctx)
    assert [(p["id"], p["problem"]) for p in report.problems] == [(last, "truncated")]


def test_filters(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    assert len(list_events(ctx)) == 6  # with the marker that opens the trail
    ups = list_events(ctx, AuditFilter(action="certificate."))
    assert {r.action for r in ups} == {"certificate.upload"} and len(ups) == 2
    assert [r.target for r in list_events(ctx, AuditFilter(outcome="failure"))] == ["obj-3"]
    assert [r.target for r in list_events(ctx, AuditFilter(target="obj-4"))] == ["obj-4"]
    assert list_events(ctx, AuditFilter(actor="nobody")) == []
    newest = list_events(ctx, AuditFilter(limit=2))
    assert [r.target for r in newest] == ["obj-4", "obj-3"]
    with pytest.raises(InvalidInput, match="outcome must be"):
        AuditFilter(outcome="maybe")
    with pytest.raises(InvalidInput, match="limit"):
        AuditFilter(limit=0)


def test_export_csv_and_json(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    rows = list(csv.DictReader(io.StringIO(export_events(ctx, fmt="csv"))))
    assert rows[0]["action"] == "audit.chain.keyed"  # the marker that opens a keyed trail
    rows = rows[1:]
    assert [r["target"] for r in rows] == [f"obj-{i}" for i in range(5)]
    assert json.loads(rows[0]["details"])["note"] == "ünïcode, \"quoted\""
    data = json.loads(export_events(ctx, AuditFilter(outcome="failure"), fmt="json"))
    assert [d["target"] for d in data] == ["obj-3"]
    # exporting is itself recorded, and the chain still holds
    assert list_events(ctx, AuditFilter(action="audit.export"))
    assert verify_chain(ctx).ok
    with pytest.raises(InvalidInput, match="format"):
        export_events(ctx, fmt="xml")


def test_only_audit_readers_may_read(ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx, 1)
    op = ctx.acting_as(Actor(name="alice", source="10.0.0.9", role="Operator"))
    for fn in (lambda: list_events(op), lambda: export_events(op), lambda: verify_chain(op)):
        with pytest.raises(PermissionDenied, match="Audit Administrator"):
            fn()
    auditor = ctx.acting_as(Actor(name="eve", source="10.0.0.8", role="Audit Administrator"))
    assert len(list_events(auditor)) == 2  # and the marker


def test_cli_list_export_verify(cli, ctx) -> None:  # type: ignore[no-untyped-def]
    _fill(ctx)
    r = cli("audit", "list", "--action", "account.", "--json")
    assert r.code == 0, r.stderr
    assert {d["action"] for d in r.json()["items"]} == {"account.login"}
    r = cli("audit", "export", "--format", "json", "--outcome", "failure")
    assert r.code == 0 and json.loads(r.stdout)[0]["target"] == "obj-3"
    r = cli("audit", "verify", "--json")
    assert r.code == 0 and r.json()["ok"]
    with ctx.transaction() as s:
        s.execute(update(AuditEvent).where(AuditEvent.target == "obj-1")
                  .values(actor="someone-else"))
    r = cli("audit", "verify")
    assert r.code == 9 and "edited" in r.stdout and "tampered" in r.stderr
    r = cli("audit", "list", "--outcome", "perhaps")
    assert r.code == 2 and "outcome must be" in r.stderr
    r = cli("audit", "export", "--format", "xml")
    assert r.code == 2 and "format must be" in r.stderr
