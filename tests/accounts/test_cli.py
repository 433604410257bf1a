"""certyard user / allowlist / session / token on the host CLI."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


@pytest.fixture
def pw():
    os.environ["CERTYARD_NEW_PASSWORD"] = "Sturdy-Pass-42"
    yield
    os.environ.pop("CERTYARD_NEW_PASSWORD", None)


def test_user_commands(cli, pw):
    r = cli("user", "add", "alice", "--role", "Help Desk Administrator", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["role"] == "Help Desk Administrator" and r.json()["must_change_password"]
    assert cli("user", "add", "CCMSysUser").code == 2
    assert "reserved" in cli("user", "add", "TabSyncSysUser").stderr
    assert [u["name"] for u in cli("user", "list", "--json").json()["items"]] == ["alice"]
    assert cli("user", "role", "alice", "Read-only").code == 0
    assert cli("user", "role", "alice", "Wizard").code == 2
    assert cli("user", "unlock", "alice").code == 0
    assert cli("user", "reset-password", "alice").code == 2  # same as a stored one
    assert cli("user", "delete", "nobody", "--yes").code == 4
    assert cli("user", "delete", "alice", "--yes").code == 0


def test_allowlist_commands(cli):
    assert "empty" in cli("allowlist", "list").stdout
    assert cli("allowlist", "add", "10.232.20.33").code == 0
    assert cli("allowlist", "add", "192.168.0.0/24").code == 0
    assert cli("allowlist", "add", "not-an-ip").code == 2
    assert cli("allowlist", "list", "--json").json()["items"] == ["10.232.20.33/32",
                                                               "192.168.0.0/24"]
    assert cli("allowlist", "delete", "10.232.20.33", "--yes").code == 0
    assert cli("allowlist", "delete", "10.232.20.33", "--yes").code == 4


def test_session_and_token_commands(cli, pw):
    cli("user", "add", "bob", "--role", "Read-only")
    r = cli("token", "create", "bob", "--name", "ci", "--json")
    assert r.code == 0 and r.json()["token"].startswith("cyt_")
    listed = cli("token", "list", "--json").json()["items"]
    assert listed[0]["name"] == "ci" and "token" not in listed[0]
    assert cli("token", "revoke", str(listed[0]["id"]), "--yes").code == 0
    assert cli("token", "revoke", "999", "--yes").code == 4
    assert cli("session", "list", "--json").json()["items"] == []
    assert "Terminated 0 sessions of bob" in cli("session", "terminate", "bob", "--yes").stdout
    assert cli("session", "terminate", "nobody", "--yes").code == 4
