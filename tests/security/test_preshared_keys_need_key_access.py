"""Finding 1, same class: an IPsec pre-shared key is key material, so the swanctl export
hands it only to a role holding key access — a custom role with ``policy:execute`` but
without ``keys:read`` gets no secret."""

from __future__ import annotations

import pytest

from certyard import accounts, ipsec
from certyard.cluster import init_cluster
from certyard.context import Actor
from certyard.errors import PermissionDenied
from certyard.ipsec import IpsecPolicySpec


@pytest.fixture
def backend() -> str:
    return "sqlite"  # authorization and key access do not depend on the storage backend


def test_swanctl_export_with_a_preshared_key_needs_key_access(ctx) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com", ip="192.0.2.1")
    ipsec.add_policy(ctx, IpsecPolicySpec(
        group_name="voice", name="gw1", preshared_key="Gw1-shared-key-2024",
        destination_address="192.0.2.10", source_address="192.0.2.1"))
    accounts.create_role(ctx, "Policy Operator", privileges=["policy:read", "policy:execute"])
    op = ctx.acting_as(Actor(name="op", source="test", role="Policy Operator"))
    with pytest.raises(PermissionDenied, match="keys:read"):
        ipsec.export_swanctl(op)
    assert "Gw1-shared-key-2024" in ipsec.export_swanctl(ctx).files["swanctl.conf"]
