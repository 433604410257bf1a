"""Units of work (issue 13): a workflow across rooms commits once or not at all.

Issuing a node's request signs in the CA room and installs in the store room; before, the
two were separate commits, so a certificate the store refused stayed issued."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from certyard import ca, store
from certyard.cluster import add_node, init_cluster
from certyard.db.models import StoreEntry
from certyard.db.models.audit import AuditEvent
from certyard.errors import KeyMismatch
from tests.support.pki import make_ca, pem


def _trust(ctx) -> set[str]:  # type: ignore[no-untyped-def]
    with ctx.read() as s:
        return set(s.scalars(select(StoreEntry.fingerprint_sha256)
                             .where(StoreEntry.type == "trust")))


def _actions(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    with ctx.read() as s:
        return list(s.scalars(select(AuditEvent.action)))


def test_a_unit_of_work_commits_once_or_not_at_all(ctx) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    before = _trust(ctx)
    with pytest.raises(RuntimeError, match="late failure"), ctx.unit_of_work() as uow:
        store.upload_trust_certificates(uow, "tomcat-trust", pem(make_ca("UoW One")[0]))
        with uow.unit_of_work() as inner:  # a nested unit joins the outer one
            store.upload_trust_certificates(inner, "ipsec-trust", pem(make_ca("UoW Two")[0]))
        assert len(_trust(uow)) == len(before) + 2  # the unit sees its own writes
        raise RuntimeError("late failure")
    assert _trust(ctx) == before
    assert "certificate.upload_trust" not in _actions(ctx)[-3:]
    with ctx.unit_of_work() as uow:
        store.upload_trust_certificates(uow, "tomcat-trust", pem(make_ca("UoW Three")[0]))
        store.upload_trust_certificates(uow, "ipsec-trust", pem(make_ca("UoW Four")[0]))
    assert len(_trust(ctx)) == len(before) + 2


def test_issue_that_cannot_be_installed_leaves_nothing_issued(ctx) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    add_node(ctx, "sub1", fqdn="sub1.example.com")
    ca.init_ca(ctx, key_type="EC", key_size=256)
    store.generate_csr(ctx, "tomcat", node="sub1")
    view = ca.sign_pending(ctx, "tomcat", node="sub1")
    assert view.state == "pending"
    issued_before = len(ca.list_issued(ctx))
    # The node's CSR (and with it the key the certificate would pair with) is removed while
    # the request waits: the store cannot install what the CA would sign.
    with ctx.read() as s:
        csr_id = s.scalar(select(StoreEntry.id).where(
            StoreEntry.type == "csr", StoreEntry.purpose == "tomcat"))
    assert csr_id is not None
    store.delete_entry(ctx, csr_id)
    with pytest.raises(KeyMismatch):
        ca.issue_request(ctx, view.id, profile="server-client")
    assert ca.show_request(ctx, view.id).state == "pending"
    assert len(ca.list_issued(ctx)) == issued_before
    assert "ca.request.issue" not in _actions(ctx)
