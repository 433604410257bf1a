"""IPsec policies: seed Table 4 rules, FIPS, listing, enable/disable, delete selected."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from certyard import ipsec
from certyard.db.models import Setting
from certyard.db.models.ipsec import IpsecPolicy
from certyard.errors import Duplicate, InvalidInput, InvalidName, NotFound, WeakAlgorithm
from certyard.ipsec import IpsecPolicySpec

BASE = dict(group_name="grp-1", name="to-gw1", preshared_key="s3cret-Key-123",
            destination_address="192.0.2.10", source_address="192.0.2.1")


def _fips(ctx, on: bool) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as s:
        s.merge(Setting(name="fips", value={"enabled": on},
                        updated_at=dt.datetime.now(dt.timezone.utc)))


@pytest.mark.parametrize("changes, error, match", [
    (dict(group_name="bad group"), InvalidName, "policy group name"),
    (dict(name="bad_name"), InvalidName, "letters, digits and hyphens"),
    (dict(name=""), InvalidName, "policy name"),
    (dict(preshared_key="has space 123"), InvalidInput, "pre-shared key may contain only"),
    (dict(preshared_key="short"), InvalidInput, "8-128"),
    (dict(auth_method="kerberos"), InvalidInput, "auth method must be one of"),
    (dict(auth_method="certificate"), InvalidInput, "only used with pre-shared-key"),
    (dict(peer_type="other"), InvalidInput, "peer type"),
    (dict(destination_address="not an fqdn!"), InvalidInput, "neither an IP address"),
    (dict(source_address=""), InvalidInput, "source address is required"),
    (dict(source_address="192.0.2.10"), InvalidInput, "are the same"),
    (dict(protocol="TCP", destination_port=70000), InvalidInput, "destination port"),
    (dict(destination_port=5060), InvalidInput, "only with protocol TCP or UDP"),
    (dict(remote_port=0), InvalidInput, "remote port"),
    (dict(mode="bridge"), InvalidInput, "mode must be"),
    (dict(protocol="ICMP"), InvalidInput, "protocol must be"),
    (dict(encryption_algorithm="RC4"), InvalidInput, "encryption algorithm"),
    (dict(hash_algorithm="SHA3"), InvalidInput, "hash algorithm"),
    (dict(esp_algorithm="CHACHA"), InvalidInput, "esp algorithm"),
    (dict(phase1_dh=3), InvalidInput, "phase1 dh"),
    (dict(phase1_lifetime=10), InvalidInput, "300-86400"),
    (dict(phase2_lifetime=100000), InvalidInput, "300-86400"),
    (dict(phase1_lifetime=3600, phase2_lifetime=7200), InvalidInput, "must not exceed"),
])
def test_field_rules(changes, error, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=match):
        IpsecPolicySpec(**{**BASE, **changes})


def test_add_list_show_never_reveals_key(ctx) -> None:  # type: ignore[no-untyped-def]
    v = ipsec.add_policy(ctx, IpsecPolicySpec(**{**BASE, "destination_address": "GW1.Example.com"},
                                              protocol="UDP", destination_port=5060))
    d = v.to_dict()
    assert d["has_preshared_key"] and "preshared_key" not in d
    assert d["destination_address"] == "gw1.example.com" and d["weak"] == []
    assert "s3cret" not in str(ipsec.list_policies(ctx)[0].to_dict())
    with ctx.read() as s:
        row = s.scalars(select(IpsecPolicy)).one()
        assert b"s3cret" not in row.psk_sealed  # type: ignore[operator]
    with pytest.raises(Duplicate, match="already exists"):
        ipsec.add_policy(ctx, IpsecPolicySpec(**BASE))
    with pytest.raises(InvalidInput, match="pre-shared key is required"):
        ipsec.add_policy(ctx, IpsecPolicySpec(**{**BASE, "name": "x", "preshared_key": None}))
    assert ipsec.get_policy(ctx, "to-gw1").spec.destination_port == 5060


def test_weak_algorithms_only_outside_fips(ctx) -> None:  # type: ignore[no-untyped-def]
    weak = IpsecPolicySpec(**BASE, encryption_algorithm="3DES", hash_algorithm="MD5",
                           esp_algorithm="NULL_ENC", phase1_dh=2, phase2_dh=5)
    assert weak.weak == ["encryption 3DES", "hash MD5", "ESP NULL_ENC", "phase one DH 2",
                         "phase two DH 5"]
    ipsec.add_policy(ctx, weak)  # allowed, marked weak
    assert ipsec.list_policies(ctx)[0].to_dict()["weak"]
    ipsec.set_enabled(ctx, "to-gw1", False)
    _fips(ctx, True)
    with pytest.raises(WeakAlgorithm, match="FIPS mode is on: encryption 3DES"):
        ipsec.set_enabled(ctx, "to-gw1", True)
    with pytest.raises(WeakAlgorithm, match="FIPS"):
        ipsec.add_policy(ctx, IpsecPolicySpec(**{**BASE, "name": "other"}, phase1_dh=1))
    ipsec.add_policy(ctx, IpsecPolicySpec(**{**BASE, "name": "strong"}, phase1_dh=20,
                                          encryption_algorithm="AES-256-GCM"))
    assert not ipsec.get_policy(ctx, "to-gw1").spec.enabled


def test_edit_enable_disable_and_delete_selected(ctx) -> None:  # type: ignore[no-untyped-def]
    for n in ("a", "b", "c"):
        ipsec.add_policy(ctx, IpsecPolicySpec(**{**BASE, "name": n}))
    v = ipsec.update_policy(ctx, "a", protocol="TCP", source_port=5061, phase2_dh=19)
    assert v.spec.source_port == 5061 and v.has_preshared_key
    with pytest.raises(InvalidInput, match="cannot be renamed"):
        ipsec.update_policy(ctx, "a", name="z")
    with pytest.raises(InvalidInput, match="unknown field"):
        ipsec.update_policy(ctx, "a", colour="red")
    with pytest.raises(InvalidInput, match="only with protocol"):
        ipsec.update_policy(ctx, "a", protocol="Any")
    assert not ipsec.set_enabled(ctx, "b", False).spec.enabled
    with pytest.raises(NotFound):
        ipsec.delete_policies(ctx, ["a", "nope"])
    assert len(ipsec.list_policies(ctx)) == 3  # nothing deleted
    assert ipsec.delete_policies(ctx, ["a", "c"]) == ["a", "c"]
    assert [v.spec.name for v in ipsec.list_policies(ctx)] == ["b"]
    # switching to certificate authentication drops the stored key
    v = ipsec.update_policy(ctx, "b", auth_method="certificate")
    assert not v.has_preshared_key
