"""swanctl.conf export, checked with strongSwan's own tooling: the Debian ``swanctl`` binary
parses the exported directory and sends it over VICI (recorded here, charon is not in the
strongswan-swanctl package), and libstrongswan's proposal parser accepts every proposal."""

from __future__ import annotations

from pathlib import Path

import pytest

from certyard import ipsec
from certyard.cluster import init_cluster
from certyard.errors import Conflict
from certyard.ipsec import IpsecPolicySpec
from tests.ipsec.strongswan import PROTO_ESP, PROTO_IKE, have_swanctl, proposal_ok, swanctl_load_all
from tests.support.peers import requires_peer

pytestmark = [pytest.mark.slow, requires_peer(have_swanctl(), "swanctl",
                           install="apt-get install strongswan-swanctl")]


def _write(files: dict[str, str], base: Path) -> None:
    for rel, text in files.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text)


def test_export_loads_with_swanctl(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com", ip="192.0.2.1")
    ipsec.add_policy(ctx, IpsecPolicySpec(
        group_name="voice", name="gw1", preshared_key="Gw1-shared-key-2024",
        destination_address="192.0.2.10", source_address="192.0.2.1", protocol="UDP",
        destination_port=5060, encryption_algorithm="AES-256-GCM", hash_algorithm="SHA384",
        esp_algorithm="AES-128-GCM", phase1_dh=20, phase2_dh=19))
    ipsec.add_policy(ctx, IpsecPolicySpec(
        group_name="voice", name="gw2", auth_method="certificate",
        destination_address="gw2.example.com", source_address="192.0.2.1",
        encryption_algorithm="3DES", hash_algorithm="MD5", esp_algorithm="BLOWFISH",
        phase1_dh=2, phase2_dh=1, phase1_lifetime=3600, phase2_lifetime=600))
    ipsec.add_policy(ctx, IpsecPolicySpec(
        group_name="voice", name="off", preshared_key="Off-key-12345678",
        destination_address="192.0.2.99", source_address="192.0.2.1", enabled=False))
    res = ipsec.export_swanctl(ctx)
    assert res.policies == ["gw1", "gw2"]  # disabled policies are not exported
    assert "x509/ipsec-pub.pem" in res.files
    assert any(f.startswith("x509ca/") for f in res.files)
    conf = res.files["swanctl.conf"]
    conf_dir = tmp_path / "swanctl"
    _write(res.files, conf_dir)
    proc, rec = swanctl_load_all(conf_dir, tmp_path / "vici.sock")
    assert proc.returncode == 0, proc.stderr
    assert "successfully loaded 2 connections" in proc.stdout
    conns = {k: v for body in rec.named("load-conn") for k, v in body.items()}
    assert set(conns) == {"voice-gw1", "voice-gw2"}
    gw1 = conns["voice-gw1"]
    assert gw1["proposals"] == ["aes256gcm16-prfsha384-ecp384"]
    assert gw1["remote_addrs"] == ["192.0.2.10"] and gw1["remote_port"] == "500"
    child = gw1["children"]["gw1"]
    assert child["mode"] == "transport" and child["esp_proposals"] == ["aes128gcm16-ecp256"]
    assert child["remote_ts"] == ["192.0.2.10[udp/5060]"] and child["rekey_time"] == "3600s"
    assert gw1["local"]["auth"] == "psk" and gw1["remote"]["id"] == "192.0.2.10"
    gw2 = conns["voice-gw2"]
    assert gw2["proposals"] == ["3des-md5-modp1024"]
    assert gw2["children"]["gw2"]["esp_proposals"] == ["blowfish128-md5-modp768"]
    secrets = rec.named("load-shared")
    assert [(s["id"], s["data"]) for s in secrets] == [("ike-voice-gw1", "Gw1-shared-key-2024")]
    assert rec.named("load-cert"), "the ipsec certificate and ipsec-trust are loaded"
    # every proposal in the file is one libstrongswan (charon's parser) accepts
    for body in conns.values():
        for p in body["proposals"]:
            assert proposal_ok(PROTO_IKE, p), p
        for c in body["children"].values():
            for p in c["esp_proposals"]:
                assert proposal_ok(PROTO_ESP, p), p
    assert "Off-key" not in conf


def test_swanctl_rejects_a_broken_file(tmp_path: Path) -> None:
    """The check is real: swanctl fails on a syntax error in the file."""
    d = tmp_path / "bad"
    d.mkdir()
    (d / "swanctl.conf").write_text("connections {\n  a {\n    remote_addrs = 1.2.3.4\n")
    proc, rec = swanctl_load_all(d, tmp_path / "v.sock")
    assert proc.returncode != 0 or not rec.named("load-conn")


def test_export_needs_enabled_policies_and_a_certificate(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict, match="no enabled IPsec policy"):
        ipsec.export_swanctl(ctx)
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ipsec.add_policy(ctx, IpsecPolicySpec(group_name="g", name="p", auth_method="certificate",
                                          destination_address="192.0.2.3",
                                          source_address="192.0.2.4"))
    assert "x509/ipsec-pub.pem" in ipsec.export_swanctl(ctx).files


def test_cli_add_list_export(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    psk = tmp_path / "psk"
    psk.write_text("Cli-key-0123456789\n")
    r = cli("ipsec", "add", "grp", "pol-1", "--preshared-key-file", str(psk),
            "--destination", "192.0.2.20", "--source", "192.0.2.21", "--protocol", "tcp",
            "--destination-port", "5061", "--esp", "aes-256-gcm", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["protocol"] == "TCP" and r.json()["destination_port"] == 5061
    r = cli("ipsec", "add", "grp", "pol 2", "--preshared-key-file", str(psk),
            "--destination", "192.0.2.20", "--source", "192.0.2.21")
    assert r.code == 2 and "letters, digits and hyphens" in r.stderr
    bad = tmp_path / "bad"
    bad.write_text("has spaces in it")
    r = cli("ipsec", "add", "grp", "pol-2", "--preshared-key-file", str(bad),
            "--destination", "192.0.2.20", "--source", "192.0.2.21")
    assert r.code == 2 and "pre-shared key may contain only" in r.stderr
    r = cli("ipsec", "list", "--json")
    assert [p["name"] for p in r.json()["items"]] == ["pol-1"]
    assert "Cli-key" not in r.stdout and "Cli-key" not in cli("ipsec", "show", "pol-1").stdout
    assert cli("ipsec", "disable", "pol-1").code == 0
    assert cli("ipsec", "show", "pol-1", "--json").json()["enabled"] is False
    assert cli("ipsec", "enable", "pol-1").code == 0
    r = cli("ipsec", "export", "-o", str(tmp_path / "out"), "--json")
    assert r.code == 0, r.stderr
    assert (tmp_path / "out" / "swanctl.conf").stat().st_mode & 0o077 == 0
    assert "tcp/5061" in (tmp_path / "out" / "swanctl.conf").read_text()
    r = cli("ipsec", "algorithms", "--json")
    assert {"name": "DES", "weak": True} in r.json()["encryption_algorithm"]
    r = cli("ipsec", "delete", "pol-1", "missing", "--yes")
    assert r.code == 4 and cli("ipsec", "list", "--json").json()["items"]
    assert cli("ipsec", "delete", "pol-1", "--yes").code == 0
