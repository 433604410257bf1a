"""Values on pages read as a person reads them: no Python reprs (True, None, dict braces)
in certificate details or the audit Detail column; long values wrap inside their cell."""

from __future__ import annotations

import re

import pytest

from certyard import ca
from certyard.audit.trail import record_event
from certyard.store.upload import upload_trust_certificates
from certyard.web.render import human
from tests.api.helpers import make_harness, sign_in

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


@pytest.fixture
def h(ctx):
    return make_harness(ctx, with_ca=True)


def test_human_filter() -> None:
    assert human(True) == "yes" and human(False) == "no"
    assert human(None) == "—" and human([]) == "—" and human("") == "—"
    assert human({"ca": True, "path_length": None}) == "ca: yes, path length: —"
    assert human(["a", "b"]) == "a, b"


def test_basic_constraints_read_plainly(h) -> None:
    result = upload_trust_certificates(h.ctx, "tomcat-trust", ca.export_ca(h.ctx))
    entry = result.added[0]
    sign_in(h.client, "sysadm")
    page = h.client.get(f"/certificates/{entry.id}")
    assert page.status_code == 200
    assert "ca: yes" in page.text
    assert "True" not in page.text and "None" not in page.text


def test_audit_detail_reads_plainly(h) -> None:
    with h.ctx.transaction() as s:
        record_event(s, h.ctx, action="certificate.upload", target="x",
                     details={"intermediate": True, "path_length": None,
                              "sans": ["a.example.com", "b.example.com"],
                              "note": "x" * 300})
    sign_in(h.client, "sysadm")
    page = h.client.get("/audit")
    assert page.status_code == 200
    assert "intermediate:</span> yes" in page.text
    assert "path length:</span> —" in page.text
    assert "a.example.com, b.example.com" in page.text
    assert ">True<" not in page.text and " None<" not in page.text


def test_long_values_wrap_in_css() -> None:
    from pathlib import Path

    import certyard.web

    css = (Path(certyard.web.__file__).parent / "static" / "app.css").read_text()
    assert "overflow-wrap: anywhere" in css
    assert "overflow-x: auto; min-width: 0" not in css  # the menu no longer scrolls sideways


def test_dashboard_marks_revoked_certificate(h) -> None:
    from certyard import store

    store.generate_csr(h.ctx, "tomcat")
    req = ca.sign_pending(h.ctx, "tomcat", approve=True)
    ca.revoke_certificate(h.ctx, req.serial, reason="keyCompromise")
    sign_in(h.client, "viewer")
    page = h.client.get("/")
    assert page.status_code == 200
    assert 'class="badge revoked">Revoked<' in page.text


def test_settings_warns_about_https_port_mismatch(h) -> None:
    conf = ca.listener_settings(h.ctx)
    running = {"host": "127.0.0.1", "http_port": conf.http_port,
               "https_port": conf.https_port + 1}
    warnings = ca.url_warnings(h.ctx, running=running)
    assert any(f"listens for HTTPS on port {conf.https_port + 1}" in w for w in warnings)
    same = dict(running, https_port=conf.https_port)
    assert not any("HTTPS" in w for w in ca.url_warnings(h.ctx, running=same))


def test_bulk_without_sftp_says_so_plainly(h) -> None:
    from certyard import bulk

    with pytest.raises(bulk.SftpNotConfigured) as err:
        bulk.show_sftp(h.ctx)
    assert err.value.message.startswith("no SFTP server is configured yet")
    assert "not found" not in err.value.message


def test_bad_list_filters_show_the_list_with_a_message(h) -> None:
    sign_in(h.client, "viewer")
    for query, said in (("page_size=-5", "Page size must be a whole number from 1 to 1000"),
                        ("page_size=1001", "Page size must be a whole number from 1 to 1000"),
                        ("page_size=abc", "Page size must be a whole number from 1 to 1000"),
                        ("page=0", "Page must be a whole number"),
                        ("expiring_before=yesterday", "use YYYY-MM-DD"),
                        ("sort=bogus", "is not a column")):
        r = h.client.get(f"/certificates?{query}")
        assert r.status_code == 200, (query, r.status_code)
        assert said in r.text and 'id="certificate-list"' in r.text, query
    r = h.client.get("/certificates?page_size=1000")
    assert r.status_code == 200 and "filter-problem" not in r.text


def test_issuing_ca_added_by_issuance_is_described_as_such(h) -> None:
    from certyard import store

    store.generate_csr(h.ctx, "tomcat")
    ca.sign_pending(h.ctx, "tomcat", approve=True)
    trust = store.find_entries(h.ctx, purpose="tomcat-trust", page_size=1000).items
    added = [e for e in trust if "built-in certyard CA" in (e.description or "")]
    assert added, [e.description for e in trust]
    assert not any("uploaded chain" in (e.description or "") for e in trust)


def test_generate_csr_reload_carries_typed_fields(h) -> None:
    sign_in(h.client, "sysadm")
    r = h.client.get("/certificates/generate-csr?purpose=ipsec&node=pub"
                     "&common_name=www.example.com&sans=a.example.com%0Ab.example.com")
    assert r.status_code == 200
    assert 'name="common_name" value="www.example.com" placeholder' in r.text
    assert "a.example.com\nb.example.com</textarea>" in r.text


PAGES = ["/", "/certificates", "/certificates/generate-csr?purpose=tomcat",
         "/certificates/generate-self-signed", "/certificates/upload",
         "/certificates/download-csr", "/ca?tab=overview", "/ca?tab=pending",
         "/ca?tab=issued", "/ca?tab=revoked", "/ca?tab=denied", "/ca?tab=downloads",
         "/nodes", "/nodes/sub1", "/nodes/agents", "/nodes/connections", "/monitoring",
         "/monitoring/smtp", "/monitoring/revocation", "/monitoring/alarms",
         "/policy?tab=tls", "/policy?tab=fips", "/policy?tab=enhanced", "/policy?tab=probes",
         "/policy?tab=verify", "/ipsec", "/ipsec/p1/edit", "/bulk", "/accounts?tab=users",
         "/accounts?tab=roles", "/accounts?tab=rules", "/accounts?tab=sessions",
         "/accounts?tab=tokens", "/accounts?tab=allowlist", "/audit", "/settings", "/doctor",
         "/account", "/account/password"]
# What a Python value looks like when it reaches a page unformatted ("None" as the label of
# a choice, SMTP security "None", is a word, not a value).
REPRS = re.compile(r">\s*(None|True|False)\s*<(?!/option)|\[\s*'|\{\s*'|\bdatetime\.|timedelta\(|"
                   r"value=\"(None|True|False)\"|<[A-Za-z]+\(")


def test_no_page_shows_a_python_value(h) -> None:
    """Every page, with data whose fields are empty, true/false, lists and dates: no repr
    anywhere (the layout's finalize writes such values with ``human``), and the cells of
    the revocation page say "—" for what is not there."""
    import datetime as dt

    from certyard import cluster, ipsec, store
    from certyard.db.models.monitor import RevocationStatus

    cluster.add_node(h.ctx, "sub1", fqdn="sub1.example.com")
    store.generate_csr(h.ctx, "tomcat", node="sub1")
    pending = ca.sign_pending(h.ctx, "tomcat", node="sub1")
    store.generate_csr(h.ctx, "ipsec")
    issued = ca.sign_pending(h.ctx, "ipsec", approve=True)
    ca.revoke_certificate(h.ctx, issued.serial or "", reason="certificateHold")
    ipsec.add_policy(h.ctx, ipsec.IpsecPolicySpec(
        group_name="g1", name="p1", preshared_key="Secret-Key-123",
        destination_address="10.0.0.2", source_address="10.0.0.1"))
    with h.ctx.transaction() as s:
        s.add(RevocationStatus(cert_key="k1", status="unknown", source="none", url="",
                               detail="", checked_at=dt.datetime.now(dt.timezone.utc),
                               revoked_at=None, extra={}))
    sign_in(h.client, "sysadm")
    assert pending.state == "pending"
    for path in [*PAGES, f"/ca/requests/{pending.id}", f"/ca/certificates/{issued.serial}"]:
        r = h.client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        found = REPRS.search(r.text)
        assert found is None, (path, r.text[max(0, found.start() - 200):found.end() + 100])
    page = h.client.get("/monitoring/revocation").text
    row = re.search(r"<tr><td>k1</td>(.*?)</tr>", page, re.S)
    assert row, page
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells[-1] == "—" and cells[-2] == "—"  # no detail, never revoked
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", cells[-3])


def test_human_durations_and_dates() -> None:
    import datetime as dt

    from certyard.web.render import duration

    assert duration(dt.timedelta(days=1, hours=2, minutes=5)) == "1 day 2 hours"
    assert duration(45 * 60) == "45 minutes" and duration(0) == "0 seconds"
    assert human(dt.timedelta(seconds=30)) == "30 seconds"
    assert human(dt.date(2026, 1, 2)) == "2026-01-02"
    assert human(dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)) == "2026-01-02 03:04 UTC"
