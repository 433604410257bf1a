"""CLI: node enroll-token, trustlist publish/show/verify, connections add/check/fix."""

from __future__ import annotations

import base64
import json
from pathlib import Path


def _init(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "cti", "--fqdn", "cti.example.com").code == 0
    assert cli("node", "add", "dialer", "--fqdn", "dialer.example.com").code == 0


def test_enroll_token_cli(cli) -> None:  # type: ignore[no-untyped-def]
    _init(cli)
    r = cli("node", "enroll-token", "dialer", "--minutes", "10", "--json")
    assert r.code == 0, r.stderr
    tok = r.json()
    assert tok["node"] == "dialer" and len(tok["token"]) >= 40
    assert cli("node", "enroll-token", "nope").code == 4
    bad = cli("node", "enroll-token", "dialer", "--minutes", "0")
    assert bad.code == 2 and len(bad.stderr.strip().splitlines()) == 1
    # The token is never in the audit trail.
    audit = cli("audit", "list", "--json")
    assert tok["token"] not in audit.stdout


def test_trustlist_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _init(cli)
    r = cli("trustlist", "publish", "--json")
    assert r.code == 0 and r.json()["version"] == 1
    out = tmp_path / "tl.jws"
    shown = cli("trustlist", "show", "-o", str(out), "--json")
    assert shown.code == 0 and shown.json()["version"] == 1
    pin = tmp_path / "pin.json"
    v = cli("trustlist", "verify", str(out), "--pin", str(pin), "--json")
    assert v.code == 0 and v.json()["accepted"] == "first-use"
    h, p, s = out.read_text().split(".")
    payload = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    payload["version"] = 7
    forged = tmp_path / "forged.jws"
    forged.write_text(h + "." + base64.urlsafe_b64encode(json.dumps(payload).encode())
                      .rstrip(b"=").decode() + "." + s)
    bad = cli("trustlist", "verify", str(forged), "--pin", str(pin))
    assert bad.code == 3 and "does not verify" in bad.stderr
    assert json.loads(pin.read_text())["version"] == 1
    assert cli("trustlist", "rollover", "--json").json()["version"] == 3


def test_connections_cli(cli) -> None:  # type: ignore[no-untyped-def]
    _init(cli)
    r = cli("connections", "add", "ged188", "--client", "ipsec@dialer",
            "--server", "tomcat@cti", "--mode", "mutual", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["ok"] is False
    assert cli("connections", "check", "ged188").code == 1
    f = cli("connections", "fix", "ged188", "--json")
    assert f.code == 0 and f.json()["ok"] is True and len(f.json()["imported"]) == 2
    assert cli("connections", "check", "ged188").code == 0
    listed = cli("connections", "list", "--json").json()["items"]
    assert listed[0]["client"] == "ipsec@dialer" and listed[0]["server"] == "tomcat@cti"
    assert "ged188" in cli("connections", "list").stdout
    bad = cli("connections", "add", "x", "--client", "ipsec", "--server", "tomcat@cti")
    assert bad.code == 2 and "PURPOSE@NODE" in bad.stderr
    unknown = cli("connections", "add", "x", "--client", "nope@dialer", "--server", "tomcat@cti")
    assert unknown.code == 2 and "unknown purpose" in unknown.stderr
    assert cli("connections", "add", "x", "--client", "ipsec@ghost",
               "--server", "tomcat@cti").code == 4
    assert cli("connections", "remove", "ged188", "--yes").code == 0
    assert cli("connections", "list", "--json").json()["items"] == []
