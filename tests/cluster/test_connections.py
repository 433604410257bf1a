"""Secured connections: declare, check each needed direction, fix by importing."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from certyard import cluster
from certyard.cluster.connections import (
    add_connection,
    check_connection,
    fix_connection,
    list_connections,
    remove_connection,
)
from certyard.db.models import StoreEntry
from certyard.errors import Duplicate, InvalidInput, NotFound, UntrustedChain
from certyard.store import generate_csr, upload_identity_certificate, upload_trust_certificates
from certyard.x509 import load_csr
from tests.support.pki import make_ca, pem, sign_leaf


@pytest.fixture
def two(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="cti", fqdn="cti.example.com")
    cluster.add_node(ctx, "dialer", fqdn="dialer.example.com")
    return ctx


def test_mutual_self_signed_fix(two) -> None:  # type: ignore[no-untyped-def]
    ctx = two
    v = add_connection(ctx, name="ged188", client_node="dialer", client_purpose="ipsec",
                       server_node="cti", server_purpose="tomcat", mode="mutual")
    assert [c.direction for c in v.checks] == ["server->client", "client->server"]
    assert not v.ok and all(c.fixable for c in v.checks)
    view, imported = fix_connection(ctx, "ged188")
    assert view.ok and len(imported) == 2
    assert "tomcat-trust" in imported[1] and "ipsec-trust" in imported[0]
    # Fixing again imports nothing.
    assert fix_connection(ctx, "ged188")[1] == []
    assert [c.name for c in list_connections(ctx)] == ["ged188"]


def test_one_way_ca_signed_imports_root(two) -> None:  # type: ignore[no-untyped-def]
    ctx = two
    root, key = make_ca("Matrix Root")
    upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    generate_csr(ctx, "tomcat", node="cti")
    from certyard.store import download_csr
    csr = load_csr(download_csr(ctx, "tomcat", node="cti")[1])
    leaf = sign_leaf(csr, root, key, cn="cti.example.com")
    upload_identity_certificate(ctx, "tomcat", leaf.public_bytes(Encoding.PEM), node="cti")
    v = add_connection(ctx, name="web", client_node="dialer", client_purpose="ipsec",
                       server_node="cti", server_purpose="tomcat", mode="one-way")
    assert len(v.checks) == 1 and not v.ok and v.checks[0].anchor == "CN=Matrix Root"
    view, imported = fix_connection(ctx, "web")
    assert view.ok and imported == ["CN=Matrix Root -> ipsec-trust"]


def test_unfixable_and_bad_input(two) -> None:  # type: ignore[no-untyped-def]
    ctx = two
    root, key = make_ca("Unknown Root")
    upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    generate_csr(ctx, "tomcat", node="cti")
    from certyard.store import download_csr
    leaf = sign_leaf(load_csr(download_csr(ctx, "tomcat", node="cti")[1]), root, key,
                     cn="cti.example.com")
    upload_identity_certificate(ctx, "tomcat", leaf.public_bytes(Encoding.PEM), node="cti")
    with ctx.transaction() as s:  # the root disappears from every trust store
        for e in s.scalars(select(StoreEntry).where(StoreEntry.common_name == "Unknown Root")):
            s.delete(e)
    add_connection(ctx, name="x", client_node="dialer", client_purpose="ipsec",
                   server_node="cti", server_purpose="tomcat", mode="one-way")
    with ctx.read() as s:
        before = s.scalar(select(func.count()).select_from(StoreEntry))
    with pytest.raises(UntrustedChain, match="upload the issuing CA"):
        fix_connection(ctx, "x")
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(StoreEntry)) == before
    with pytest.raises(Duplicate):
        add_connection(ctx, name="x", client_node="dialer", client_purpose="ipsec",
                       server_node="cti", server_purpose="tomcat")
    with pytest.raises(InvalidInput, match="one-way or mutual"):
        add_connection(ctx, name="y", client_node="dialer", client_purpose="ipsec",
                       server_node="cti", server_purpose="tomcat", mode="both")
    with pytest.raises(NotFound):
        add_connection(ctx, name="y", client_node="nope", client_purpose="ipsec",
                       server_node="cti", server_purpose="tomcat")
    remove_connection(ctx, "x")
    with pytest.raises(NotFound):
        check_connection(ctx, "x")
