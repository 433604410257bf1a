"""Probe inventory: stored targets, scheduled runs, stored results and alarms (both
backends)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from certyard import store
from certyard.alarms import list_alarms
from certyard.cluster import init_cluster
from certyard.errors import Duplicate, InvalidInput, NotFound
from certyard.jobs import run_job_once
from certyard.ops.jobs import all_jobs
from certyard.probe import add_target, list_targets, remove_target, run_probes
from tests.probe.tlspki import NOW, issue, pem, python_server
from tests.support.ports import free_port

HOST = "inv.example"


def test_inventory_run_results_and_alarms(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = issue("Inv Root", ca=True, start=NOW - dt.timedelta(days=3))
    good = issue(HOST, issuer=root, sans=(HOST,), start=NOW - dt.timedelta(days=1))
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    store.upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    closed = f"127.0.0.1:{free_port()}"
    with python_server(tmp_path, pem(good), good.key_pem) as target:
        add_target(ctx, target, name="web", node="pub", sni=HOST)
        add_target(ctx, closed, name="down")
        with pytest.raises(Duplicate):
            add_target(ctx, target, name="web")
        with pytest.raises(InvalidInput):
            add_target(ctx, "nope")
        with pytest.raises(NotFound):
            add_target(ctx, target, name="x", node="ghost")
        assert run_probes(ctx, concurrency=2, timeout=2) == {"probed": 2, "failed": 1}
        assert run_job_once(ctx, all_jobs(), "probe.inventory") == {"probed": 2, "failed": 1}
    views = {v.name: v for v in list_targets(ctx)}
    assert views["web"].node == "pub" and views["web"].last["flags"] == []
    assert views["web"].last["version"] == "1.3"
    assert views["down"].last["flags"] == ["unreachable"]
    alarms = list_alarms(ctx, active_only=True, name="TLSEndpointCheckFailed")
    assert [a.object for a in alarms] == ["down"]
    remove_target(ctx, "down")
    with pytest.raises(NotFound):
        remove_target(ctx, "down")
    assert [v.name for v in list_targets(ctx)] == ["web"]


def test_cli_probes(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init").code == 0
    port = free_port()
    r = cli("probes", "add", f"127.0.0.1:{port}", "--name", "closed", "--json")
    assert r.code == 0 and r.json()["target"] == f"127.0.0.1:{port}"
    assert cli("probes", "add", f"127.0.0.1:{port}", "--name", "closed").code == 5
    assert cli("probes", "run", "--json").json() == {"probed": 1, "failed": 1}
    listed = cli("probes", "list", "--json").json()["items"]
    assert listed[0]["last"]["flags"] == ["unreachable"]
    assert cli("probes", "remove", "closed", "--yes").code == 0
    assert cli("probes", "list", "--json").json() == {"items": [], "total": 0}
