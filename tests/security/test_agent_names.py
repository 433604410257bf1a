"""Finding 8: names from the server are checked on both sides, the agent never writes
outside its directory, and enrolling without a verified CA needs --insecure-tofu."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from certyard import cluster
from certyard.agent.apply import apply_state
from certyard.agent.client import enroll
from certyard.db.models import Purpose
from certyard.errors import InvalidInput

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _state(**over: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"version": "v1", "identities": [], "csrs": [], "trust": {},
                             "services": {}, "tls": {}}
    state.update(over)
    return state


HOSTILE = [
    ("purpose with ../", _state(identities=[{"purpose": "../../escaped", "pem": PEM,
                                             "key_pem": "KEY", "fingerprint": "aa"}])),
    ("csr purpose with /", _state(csrs=[{"purpose": "x/../../escaped", "pem": PEM}])),
    ("trust store with ../", _state(trust={"../../escaped-trust": [
        {"file": "a.pem", "pem": PEM, "fingerprint": "aa"}]})),
    ("trust file with ../", _state(trust={"tomcat-trust": [
        {"file": "../../../escaped.pem", "pem": PEM, "fingerprint": "aa"}]})),
    ("absolute trust file", _state(trust={"tomcat-trust": [
        {"file": "/tmp/escaped.pem", "pem": PEM, "fingerprint": "aa"}]})),
]


@pytest.mark.parametrize("label,state", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_agent_never_writes_outside_its_directory(tmp_path: Path, label: str,
                                                  state: dict[str, Any]) -> None:
    root = tmp_path / "node" / "files"
    with pytest.raises(InvalidInput, match="unsafe"):
        apply_state(root, state, reload_commands={}, shred_passes=0)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == []


def test_agent_refuses_a_path_through_a_symlink_out_of_its_directory(tmp_path: Path) -> None:
    root = tmp_path / "files"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root.mkdir()
    os.symlink(outside, root / "bundles")
    with pytest.raises(InvalidInput, match="outside the agent's directory"):
        apply_state(root, _state(trust={"tomcat-trust": []}), reload_commands={},
                    shred_passes=0)
    assert list(outside.iterdir()) == []


def test_server_refuses_to_publish_unsafe_names(ctx: Any) -> None:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    with ctx.transaction() as s:
        s.add(Purpose(name="../../evil", key_type="EC", key_lengths=[256],
                      default_key_length=256, hashes=["SHA256"], default_hash="SHA256",
                      services=["web"], description=""))
    from certyard.cluster.desired import desired_state

    with ctx.read() as s:
        node = cluster.list_nodes(ctx)[0]
        from certyard.db.models import Node

        row = s.get(Node, node.id) if hasattr(node, "id") else None
        state = desired_state(ctx, s, row or s.query(Node).first())
    names = [*state["trust"], *state["services"],
             *(i["purpose"] for i in state["identities"])]
    assert names and not any(".." in n or "/" in n for n in names)


def test_enroll_without_a_verified_ca_needs_insecure_tofu(tmp_path: Path, cli: Any) -> None:
    # Refused before anything is sent: the server URL points nowhere.
    with pytest.raises(InvalidInput, match="--insecure-tofu"):
        enroll(tmp_path / "a", server="https://127.0.0.1:9", token="secret-token")
    assert not (tmp_path / "a").exists()
    r = cli("agent", "enroll", "--server", "https://127.0.0.1:9", "--token", "t",
            "--home", str(tmp_path / "b"))
    assert r.code == 2 and "man in the middle" in r.stderr.replace("\n", " ")
