"""Revocation checks against certyard's own CA and OCSP responder, served over real HTTP
on loopback (the public router under uvicorn), and expiry de-duplication between two
replicas scanning at the same time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from certyard import ca, store
from certyard.alarms import list_alarms
from certyard.cluster.nodes import init_cluster
from certyard.context import open_context
from certyard.monitor.expiry import scan_expiry
from certyard.monitor.revocation import revocation_status_of, run_revocation_checks
from certyard.monitor.settings import update_monitor_settings, update_revocation_settings
from tests.support.ports import free_port


@pytest.fixture
def responder(ctx) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from certyard.api.public import router

    app = FastAPI()
    app.include_router(router)
    app.state.ctx = ctx
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/ocsp"
    server.should_exit = True
    t.join(timeout=10)


def test_own_ca_good_then_revoked(ctx, responder):
    init_cluster(ctx, name="node1", fqdn="node1.example.com")
    ca.init_ca(ctx, common_name="certyard Test CA", intermediate=False)
    csr = store.generate_csr(ctx, "tomcat", node="node1").pem.encode()
    issued = ca.issue_certificate_for_csr(ctx, csr, profile="server-client")
    store.upload_identity_certificate(ctx, "tomcat", issued.pem.encode(), node="node1")
    eid = next(e for e in store.find_entries(ctx, type="identity", purpose="tomcat").items
               if e.node == "node1").id
    update_revocation_settings(ctx, ocsp_enabled=True, ocsp_uri_source="configured",
                               ocsp_configured_uri=responder, revocation_check_enabled=True,
                               timeout_seconds=5)
    assert run_revocation_checks(ctx).good == 1, revocation_status_of(ctx, eid).detail
    ca.revoke_certificate(ctx, issued.serial, reason="keyCompromise")
    r = run_revocation_checks(ctx, force=True)
    st = revocation_status_of(ctx, eid)
    assert r.revoked == 1 and st.status == "revoked", st.detail
    assert list_alarms(ctx, name="CertificateRevoked", active_only=True)


def test_two_replicas_scanning_at_once_send_one_notice(ctx, clock):
    init_cluster(ctx, name="node1", fqdn="node1.example.com")
    update_monitor_settings(ctx, notification_start_days=3650, email_enabled=True,
                            email_ids=["ops@example.com"])
    replicas = [open_context(ctx.settings, clock=clock) for _ in range(3)]
    notices: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(replicas))

    def scan(c) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            notices.append(scan_expiry(c).notices)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=scan, args=(c,)) for c in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in replicas:
        c.engine.dispose()
    assert not errors
    in_window = scan_expiry(ctx).in_window
    assert in_window > 0 and sum(notices) == in_window
