"""The doctor's report in the web UI: the same findings and fixes, behind sign-in."""

from __future__ import annotations

import html

import pytest

from certyard.config import Settings
from certyard.ops.doctor import DoctorOptions, run_doctor
from tests.api.helpers import make_harness, sign_in


@pytest.fixture(params=["sqlite"])
def backend(request):  # type: ignore[no-untyped-def]
    return request.param


def test_doctor_page_shows_findings_and_fixes(ctx) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(ctx, with_ca=True)
    r = h.client.get("/doctor", follow_redirects=False)
    assert r.status_code in (303, 307, 401), r.status_code  # not without signing in
    sign_in(h.client, "sysadm")
    r = h.client.get("/doctor")
    assert r.status_code == 200, r.text[:300]
    page = html.unescape(r.text)
    report = run_doctor(Settings.from_env({"CERTYARD_HOME": str(ctx.settings.home)}),
                        DoctorOptions(listeners=(), check_urls=False), ctx=ctx)
    # No scheduler runs in this test: the jobs finding and its fix are on the page.
    jobs = next(f for f in report.findings if f.check == "jobs")
    assert jobs.severity == "error"
    assert jobs.message in page and jobs.fix in page
    assert "error(s)" in page and 'data-severity="error"' in page
    for f in report.findings:
        if f.check in ("schema", "ca", "ui_certificate", "outbox", "agents"):
            assert f.message in page, f.message
