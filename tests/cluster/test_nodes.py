from __future__ import annotations

import pytest

from certyard import cluster, store
from certyard.errors import Conflict, Duplicate, NotFound, NotInitialised


def test_init_is_idempotent(ctx) -> None:  # type: ignore[no-untyped-def]
    first = cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    again = cluster.init_cluster(ctx, name="other", fqdn="other.example.com")
    assert first.created and not again.created
    assert again.publisher.name == "pub"
    assert store.find_entries(ctx).total == 6


def test_add_list_remove(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotInitialised):
        cluster.add_node(ctx, "sub1", fqdn="sub1.example.com")
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    node = cluster.add_node(ctx, "sub1", fqdn="SUB1.example.com", ip="192.0.2.10")
    assert node.fqdn == "sub1.example.com" and node.identities == 3
    assert store.find_entries(ctx, type="trust").total == 6  # each node's self-signed
    with pytest.raises(Duplicate):
        cluster.add_node(ctx, "sub1", fqdn="x.example.com")
    assert [n.name for n in cluster.list_nodes(ctx)] == ["pub", "sub1"]
    with pytest.raises(Conflict, match="publisher"):
        cluster.remove_node(ctx, "pub")
    cluster.remove_node(ctx, "sub1")
    assert store.find_entries(ctx).total == 6
    with pytest.raises(NotFound):
        cluster.remove_node(ctx, "sub1")


def test_purposes_are_data(ctx) -> None:  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    spec = store.PurposeSpec(name="CallManager", key_type="RSA", key_lengths=(2048, 3072),
                             default_key_length=2048, hashes=("SHA256",), default_hash="SHA256",
                             services=("call control",))
    store.add_purpose(ctx, spec)
    page = store.find_entries(ctx, purpose="CallManager")
    assert sorted(e.type for e in page.items) == ["identity", "trust"]
    result = store.generate_csr(ctx, "CallManager", key_length=3072)
    assert result.entries[0].key_size == 3072
