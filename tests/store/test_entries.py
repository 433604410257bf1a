"""List, show, download and delete — the Certificate List and Details windows."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509

from certyard import cluster, store


@pytest.fixture
def populated(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    cluster.add_node(ctx, "sub1", fqdn="sub1.example.com")
    store.generate_csr(ctx, "tomcat", node="sub1", sans=["alias.example.com"])
    return ctx


def test_find_controls(populated) -> None:  # type: ignore[no-untyped-def]
    ctx = populated
    assert store.find_entries(ctx).total == 13
    sub1 = store.find_entries(ctx, node="sub1")
    assert {e.node for e in sub1.items} == {"sub1", None}
    assert store.find_entries(ctx, type="csr").items[0].common_name == "sub1.example.com"
    assert store.find_entries(ctx, purpose="tomcat-trust").total == 2
    assert store.find_entries(ctx, text="SUB1").total == 7
    assert store.find_entries(ctx, text="%").total == 0  # LIKE wildcards are literal
    soon = ctx.clock.now() + dt.timedelta(days=30)
    assert store.find_entries(ctx, expiring_before=soon).total == 0
    page = store.find_entries(ctx, sort="expiration", descending=True, page=2, page_size=5)
    assert len(page.items) == 5 and page.pages == 3


def test_show_has_checksums(populated) -> None:  # type: ignore[no-untyped-def]
    ctx = populated
    entry = store.find_entries(ctx, purpose="tomcat", type="identity", node="pub").items[0]
    d = store.show_entry(ctx, entry.id)
    name, der = store.download_entry(ctx, entry.id, format="der")
    assert d["details"]["sha512"] == hashlib.sha512(der).hexdigest()
    assert d["details"]["sha1"] == hashlib.sha1(der).hexdigest()
    assert d["details"]["basic_constraints"] == {"ca": True, "path_length": 0}
    assert "serverAuth" in d["details"]["extended_key_usage"]
    assert name.endswith(".der")
    _, pem = store.download_entry(ctx, entry.id, format="pem")
    assert x509.load_pem_x509_certificate(pem).public_bytes(
        __import__("cryptography.hazmat.primitives.serialization",
                   fromlist=["Encoding"]).Encoding.DER) == der
    assert b"PRIVATE" not in pem


def test_delete_certificate_deletes_its_csr(populated) -> None:  # type: ignore[no-untyped-def]
    ctx = populated
    ident = store.find_entries(ctx, purpose="tomcat", type="identity", node="sub1").items
    ident = next(e for e in ident if e.node == "sub1")
    result = store.delete_entry(ctx, ident.id)
    assert len(result["deleted"]) == 2
    assert store.find_entries(ctx, type="csr").total == 0


def test_new_csr_replaces_old(populated) -> None:  # type: ignore[no-untyped-def]
    ctx = populated
    first = store.find_entries(ctx, type="csr").items[0]
    store.generate_csr(ctx, "tomcat", node="sub1")
    csrs = store.find_entries(ctx, type="csr").items
    assert len(csrs) == 1 and csrs[0].fingerprint_sha256 != first.fingerprint_sha256


def test_regenerate_self_signed_replaces_trust_entry(populated) -> None:  # type: ignore[no-untyped-def]
    ctx = populated
    before = store.find_entries(ctx, purpose="ipsec-trust").total
    result = store.generate_self_signed(ctx, "ipsec", key_length=3072)
    assert result.entries[0].key_size == 3072 and result.restart_services == ["IPsec"]
    assert store.find_entries(ctx, purpose="ipsec-trust").total == before
