"""Desired state per node (seed 001 distribution) and applying it to a node directory:
atomic writes, 0600 keys, reload only on change, shredding of old keys."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard import cluster
from certyard.agent.apply import apply_state
from certyard.cluster.desired import desired_state
from certyard.db.models import Node
from certyard.errors import InvalidInput
from certyard.hostutil.files import atomic_write, shred_file
from certyard.store import (
    generate_csr,
    generate_self_signed,
    upload_identity_certificate,
    upload_trust_certificates,
)
from certyard.x509 import load_csr
from tests.support.pki import make_ca, pem, sign_leaf


@pytest.fixture
def three(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    cluster.add_node(ctx, "sub1", fqdn="sub1.example.com")
    cluster.add_node(ctx, "sub2", fqdn="sub2.example.com")
    return ctx


def _state(ctx, name: str) -> dict:  # type: ignore[no-untyped-def]
    with ctx.read() as s:
        node = s.scalar(select(Node).where(Node.name == name))
        return desired_state(ctx, s, node)


def test_distribution_semantics(three) -> None:  # type: ignore[no-untyped-def]
    ctx = three
    before = {n: _state(ctx, n) for n in ("pub", "sub1", "sub2")}
    assert {i["purpose"] for i in before["sub1"]["identities"]} >= {"tomcat", "ipsec"}
    assert all(i["key_pem"].startswith("-----BEGIN PRIVATE KEY") for i in
               before["sub1"]["identities"])
    # Trust certificate: every node.
    root, root_key = make_ca("Distribution Root")
    upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    after = {n: _state(ctx, n) for n in ("pub", "sub1", "sub2")}
    for n in after:
        assert after[n]["version"] != before[n]["version"]
        store = after[n]["trust"]["tomcat-trust"]
        assert any(c["common_name"] == "Distribution Root" for c in store)
    # Single-server: only its node changes identity.
    generate_self_signed(ctx, "ipsec", node="sub1")
    single = {n: _state(ctx, n) for n in ("pub", "sub1", "sub2")}

    def ipsec_fp(st):  # type: ignore[no-untyped-def]
        return next(i["fingerprint"] for i in st["identities"] if i["purpose"] == "ipsec")
    assert ipsec_fp(single["sub1"]) != ipsec_fp(after["sub1"])
    assert ipsec_fp(single["sub2"]) == ipsec_fp(after["sub2"])
    assert ipsec_fp(single["pub"]) == ipsec_fp(after["pub"])
    # Multi-server: CSR shared, then certificate and key on every node.
    generate_csr(ctx, "tomcat", distribution="multi-server")
    csrs = {n: _state(ctx, n)["csrs"] for n in ("pub", "sub1", "sub2")}
    assert all(c and c[0]["pem"] == csrs["pub"][0]["pem"] for c in csrs.values())
    csr = load_csr(csrs["pub"][0]["pem"].encode())
    leaf = sign_leaf(csr, root, root_key, cn="cluster.example.com")
    upload_identity_certificate(ctx, "tomcat", leaf.public_bytes(Encoding.PEM))
    multi = {n: _state(ctx, n) for n in ("pub", "sub1", "sub2")}
    tomcat = [next(i for i in multi[n]["identities"] if i["purpose"] == "tomcat")
              for n in multi]
    assert len({t["fingerprint"] for t in tomcat}) == 1
    assert len({t["key_pem"] for t in tomcat}) == 1
    assert all(t["distribution"] == "multi-server" for t in tomcat)


def test_apply_writes_layout_and_reloads_only_on_change(three, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = three
    log = tmp_path / "reloads.log"
    cmds = {"web server": f"echo tomcat >> {log}", "IPsec": f"echo ipsec >> {log}"}
    state = _state(ctx, "sub1")
    root = tmp_path / "node"
    r = apply_state(root, state, reload_commands=cmds, shred_passes=2)
    assert not r.errors
    assert stat.S_IMODE(os.stat(root / "keys/tomcat.key").st_mode) == 0o600
    assert (root / "certs/tomcat.pem").read_text().startswith("-----BEGIN CERTIFICATE")
    assert (root / "bundles/tomcat-trust.pem").exists()
    assert list((root / "trust-certs/tomcat").glob("*.pem"))
    assert (root / "tls-policy.json").exists()
    first = log.read_text().split()
    assert sorted(set(first)) == ["ipsec", "tomcat"]
    # No change: nothing written, nothing reloaded.
    r2 = apply_state(root, state, reload_commands=cmds, shred_passes=2)
    assert r2.changed == [] and r2.reloaded == [] and log.read_text().split() == first
    # Only ipsec changes: only ipsec reloads; the old key is gone.
    old_key = (root / "keys/ipsec.key").read_bytes()
    generate_self_signed(ctx, "ipsec", node="sub1")
    r3 = apply_state(root, _state(ctx, "sub1"), reload_commands=cmds, shred_passes=2)
    assert r3.reloaded == ["IPsec"]
    # the new self-signed certificate also replaces the old one in ipsec-trust
    assert {"certs/ipsec.pem", "keys/ipsec.key", "bundles/ipsec-trust.pem"} <= set(r3.changed)
    assert all("ipsec" in f for f in r3.changed + r3.removed)
    assert (root / "keys/ipsec.key").read_bytes() != old_key
    assert not list((root / "keys").glob(".*"))
    # A trust certificate removed from the store disappears from the node.
    root_ca, _ = make_ca("Temporary Root")
    upload_trust_certificates(ctx, "ipsec-trust", pem(root_ca))
    apply_state(root, _state(ctx, "sub1"), reload_commands=cmds)
    assert len(list((root / "trust-certs/ipsec").glob("Temporary_Root_*.pem"))) == 1


def test_failing_reload_is_reported(three, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = apply_state(tmp_path / "n", _state(three, "pub"),
                    reload_commands={"web server": "echo broken >&2; exit 3"})
    assert r.errors and "exit 3" in r.errors[0] and "broken" in r.errors[0]


def test_atomic_write_and_shred(tmp_path: Path) -> None:
    p = tmp_path / "keys" / "k.key"
    assert atomic_write(p, b"secret", mode=0o600) is True
    assert atomic_write(p, b"secret", mode=0o600) is False
    inode = os.stat(p).st_ino
    link = tmp_path / "keys" / "view"
    os.link(p, link)
    shred_file(p, passes=3)
    assert not p.exists()
    assert link.read_bytes() != b"secret" and len(link.read_bytes()) == 6  # same inode, overwritten
    assert os.stat(link).st_ino == inode
    with pytest.raises(InvalidInput, match="0 to 10"):
        shred_file(link, passes=11)
    # A write that fails part-way leaves the old file intact and no temp file behind.
    good = tmp_path / "good.pem"
    atomic_write(good, b"good")

    class Boom(bytes):
        def __len__(self) -> int:
            raise OSError("disk full")
    with pytest.raises(OSError):
        atomic_write(good, Boom(b"x" * 10))
    assert good.read_bytes() == b"good"
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []
