"""`certyard auth-rules` and `certyard role` (seed 002 ch. 5 and 8 from the terminal)."""

from __future__ import annotations


def test_auth_rules_cli(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init").code == 0
    shown = cli("auth-rules", "show", "--json").json()
    assert shown["min_length"] == 8
    r = cli("auth-rules", "set", "--min-length", "12", "--require", "lower,upper,digit",
            "--json")
    assert r.code == 0 and r.json()["min_length"] == 12
    assert r.json()["require_classes"] == ["lower", "upper", "digit"]
    assert "Minimum length:" in cli("auth-rules", "show").stdout
    bad = cli("auth-rules", "set", "--require", "emoji")
    assert bad.code == 2 and "character classes" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert cli("auth-rules", "show", "--json").json()["min_length"] == 12
    assert cli("auth-rules", "set").code == 2


def test_role_cli(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init").code == 0
    r = cli("role", "add", "Cert Viewer", "-p", "certificates:read", "-p", "ca:read", "--json")
    assert r.code == 0 and r.json()["privileges"] == ["ca:read", "certificates:read"]
    listed = cli("role", "list", "--json").json()["items"]
    assert any(x["name"] == "Cert Viewer" and not x["builtin"] for x in listed)
    bad = cli("role", "add", "Bad", "-p", "everything:all")
    assert bad.code == 2 and "unknown privilege" in bad.stderr
    assert cli("role", "remove", "System Administrator", "--yes").code == 5
    assert cli("role", "remove", "Cert Viewer", "--yes").code == 0
    names = [x["name"] for x in cli("role", "list", "--json").json()["items"]]
    assert "Cert Viewer" not in names
