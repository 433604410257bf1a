"""`certyard agent enroll|run|status|open-enrollment` against a real agent server."""

from __future__ import annotations

from pathlib import Path

from certyard.cluster.agents import create_enroll_token


def test_agent_cli_round_trip(agent_server, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "agent-sub2"
    tok = create_enroll_token(agent_server.ctx, "sub2").token
    log = tmp_path / "reload.log"
    r = cli("agent", "enroll", "--insecure-tofu", "--server", agent_server.url, "--token", tok,
            "--home", str(home),
            "--reload", f"web server=echo web >> {log}", "--shred-passes", "2", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["node"] == "sub2"
    r = cli("agent", "run", "--once", "--home", str(home), "--json")
    assert r.code == 0, r.stderr
    assert r.json()["status"] == "applied" and "web server" in r.json()["reloaded"]
    assert (home / "files/certs/tomcat.pem").exists()
    status = cli("agent", "status", "--json").json()
    sub2 = next(n for n in status["items"] if n["node"] == "sub2")
    assert sub2["enrolled"] and sub2["current"] and status["open_enrollment"] is False
    assert "sub2" in cli("agent", "status").stdout
    bad = cli("agent", "enroll", "--insecure-tofu", "--server", agent_server.url, "--token", tok,
              "--home", str(tmp_path / "again"))
    assert bad.code == 6 and "already used" in bad.stderr
    assert cli("agent", "run", "--once", "--home", str(tmp_path / "none")).code == 7
    assert cli("agent", "enroll", "--insecure-tofu", "--server", agent_server.url, "--token", "x",
               "--reload", "nocommand", "--home", str(tmp_path / "x")).code == 2
    # Open enrollment (the seed's null string): off by default, flagged when on.
    on = cli("agent", "open-enrollment", "on")
    assert on.code == 0 and "ON" in on.stderr
    r = cli("agent", "enroll", "--insecure-tofu", "--server", agent_server.url, "--node", "sub1",
            "--home", str(tmp_path / "open"), "--json")
    assert r.code == 0 and r.json()["node"] == "sub1"
    assert "open enrollment is ON" in cli("agent", "status").stderr
    assert cli("agent", "open-enrollment", "off").code == 0
    # Any endpoint: fetch the signed trust list (TOFU), then again (unchanged).
    pin = tmp_path / "endpoint-pin.json"
    f = cli("trustlist", "fetch", "--server", agent_server.url, "--pin", str(pin),
            "--ca-file", str(home / "identity/ca.pem"), "-o", str(tmp_path / "tl.jws"), "--json")
    assert f.code == 0, f.stderr
    assert f.json()["items"][0]["accepted"] == "first-use"
    again = cli("trustlist", "fetch", "--server", agent_server.url, "--pin", str(pin), "--json")
    assert again.code == 0 and again.json()["items"][-1]["accepted"] == "unchanged"
    # Server down: run --once fails cleanly, files stay.
    agent_server.stop()
    before = (home / "files/certs/tomcat.pem").read_bytes()
    down = cli("agent", "run", "--once", "--home", str(home))
    assert down.code == 8 and "unreachable" in down.stderr
    assert (home / "files/certs/tomcat.pem").read_bytes() == before
