"""CA setup: RSA roots, importing an openssl-made CA, auto-approval for nodes, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard import ca, store
from certyard.cluster import add_node, init_cluster
from certyard.db.models import StoreEntry
from certyard.errors import InvalidFile, KeyMismatch, PolicyViolation
from tests.ca.helpers import make_csr
from tests.support.openssl_ca import OpenSSLCA, openssl


def _trust_fingerprints(ctx, purpose: str) -> set[str]:  # type: ignore[no-untyped-def]
    with ctx.read() as s:
        return set(s.scalars(select(StoreEntry.fingerprint_sha256).where(
            StoreEntry.type == "trust", StoreEntry.purpose == purpose)))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_rsa_root_without_intermediate_for_some_purposes(ctx) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    info = ca.init_ca(ctx, key_type="RSA", key_size=3072, intermediate=False,
                      purposes=["tomcat"], common_name="Lab Root")
    assert info.root == info.issuing and info.trust_stores == ["tomcat-trust"]
    root = x509.load_pem_x509_certificate(ca.export_ca(ctx))
    assert root.public_key().key_size == 3072
    assert info.root["fingerprint_sha256"] in _trust_fingerprints(ctx, "tomcat")
    assert info.root["fingerprint_sha256"] not in _trust_fingerprints(ctx, "ipsec")
    assert len(ca.export_ca(ctx, format="der")) > 500


def test_import_openssl_ca_and_issue(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ext = OpenSSLCA(tmp_path / "ext", intermediate=True)
    assert ext.intermediate is not None
    with pytest.raises(KeyMismatch):
        ca.import_ca(ctx, ext.intermediate.read_bytes(), ext.root_key.read_bytes())
    with pytest.raises(InvalidFile, match="does not reach a root"):
        ca.import_ca(ctx, ext.intermediate.read_bytes(), (tmp_path / "ext" / "int.key")
                     .read_bytes())
    info = ca.import_ca(ctx, ext.intermediate.read_bytes(),
                        (tmp_path / "ext" / "int.key").read_bytes(),
                        chain_data=ext.root.read_bytes())
    assert "Issuing" in info.issuing["subject"] and "Root" in info.root["subject"]
    _, csr = make_csr("svc.example.com")
    issued = ca.issue_certificate_for_csr(ctx, csr, profile="server")
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(issued.pem)
    assert b": OK" in openssl("verify", "-CAfile", str(ext.root), "-untrusted",
                              str(ext.intermediate), str(leaf))


def test_auto_approve_node_own_fqdn(ctx) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    add_node(ctx, "sub1", fqdn="sub1.example.com")
    ca.init_ca(ctx, key_type="EC", key_size=256)
    ca.configure_ca(ctx, auto_approve_nodes=True)
    store.generate_csr(ctx, "tomcat-ECDSA", node="sub1")
    view = ca.sign_pending(ctx, "tomcat-ECDSA", node="sub1")
    assert view.state == "issued" and view.installed_on == ["sub1"]
    assert view.decided_by and "auto" in view.decided_by
    # Extra names are not the node's own: they wait for an administrator.
    store.generate_csr(ctx, "tomcat", node="sub1", sans=["alias.example.com"])
    view = ca.sign_pending(ctx, "tomcat", node="sub1")
    assert view.state == "pending"
    # Seed 003: the "server" profile drops the TLS Web Client Authentication the tomcat
    # CSR asks for, so the certificate cannot be installed; nothing is issued.
    with pytest.raises(PolicyViolation, match="TLS Web Client Authentication"):
        ca.issue_request(ctx, view.id, profile="server")
    assert ca.show_request(ctx, view.id).state == "pending"
    assert len(ca.list_issued(ctx)) == 1
    issued = ca.issue_request(ctx, view.id, profile="server-client")
    assert issued.installed_on == ["sub1"] and issued.profile == "server-client"
    listed = ca.list_issued(ctx)
    assert {i.status for i in listed} == {"good"} and len(listed) == 2
    shown = ca.show_issued(ctx, issued.serial)
    assert shown.subject == "CN=sub1.example.com"


def test_multi_server_csr_installs_everywhere(ctx) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    add_node(ctx, "sub1", fqdn="sub1.example.com")
    ca.init_ca(ctx, key_type="EC", key_size=256)
    store.generate_csr(ctx, "tomcat", distribution="multi-server")
    view = ca.sign_pending(ctx, "tomcat", approve=True)
    assert sorted(view.installed_on or []) == ["pub", "sub1"]
    cert = x509.load_pem_x509_certificate(view.pem.encode())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    # The CN, the node's FQDN with "-ms" (seed 003), is among the names the CA signs.
    assert set(sans.get_values_for_type(x509.DNSName)) == {"pub-ms.example.com",
                                                           "pub.example.com",
                                                           "sub1.example.com"}
    assert cert.public_bytes(Encoding.PEM).decode() == view.pem
