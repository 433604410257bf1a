"""Finding 20 (part): the audit CSV export neutralises every cell a spreadsheet could read
as a formula: leading =, +, -, @, tab and carriage return."""

from __future__ import annotations

import csv
import io

import pytest

from certyard.audit import record_event
from certyard.audit.query import export_events


@pytest.fixture
def backend() -> str:
    return "sqlite"  # tests/audit runs the chain and export on both backends


def test_every_formula_lead_is_neutralised(ctx) -> None:  # type: ignore[no-untyped-def]
    leads = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"]
    for i, text in enumerate(leads):
        with ctx.transaction() as s:
            record_event(s, ctx, action="test.csv", target=text, details={"i": i})
    rows = list(csv.DictReader(io.StringIO(export_events(ctx, fmt="csv"))))
    targets = [r["target"] for r in rows if r["action"] == "test.csv"]
    assert targets == ["'" + t for t in leads]
