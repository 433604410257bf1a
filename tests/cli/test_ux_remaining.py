"""Issue 15's last CLI items: `node add` reports every wrong value in one run (one line
each, naming the option typed), and `ca init --help` states exactly the key sizes `ca init`
accepts, in FIPS mode too."""

from __future__ import annotations

import json
import re

import pytest

from certyard import ca, cluster
from tests.support.cli import run_cli


@pytest.fixture(params=["sqlite"])
def backend(request):  # type: ignore[no-untyped-def]
    return request.param


@pytest.fixture
def cluster_env(ctx, env):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    return env


def test_node_add_reports_a_bad_fqdn_and_a_bad_ip_in_one_run(cluster_env, ctx) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(cluster_env, "node", "add", "sub1", "--fqdn", "bad fqdn", "--ip", "10.0.0")
    assert r.code == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, r.stderr
    assert lines[0].startswith("error: --fqdn 'bad fqdn'")
    assert lines[1] == "error: --ip '10.0.0' is not an IP address"
    assert [n.name for n in cluster.list_nodes(ctx)] == ["pub"]  # nothing changed
    # Under --json: one error object, each problem in it, with the option it names.
    r = run_cli(cluster_env, "node", "add", "bad name!", "--fqdn", "x..y", "--ip", "300.1.1.1",
                "--json")
    assert r.code == 2 and r.stdout == ""
    err = json.loads(r.stderr)["error"]
    assert err["code"] == "invalid_input"
    assert [p.get("option") for p in err["problems"]] == [None, "--fqdn", "--ip"]
    # One wrong value alone is one line, as before.
    r = run_cli(cluster_env, "node", "add", "sub1", "--fqdn", "sub1.example.com", "--ip", "x")
    assert r.code == 2 and r.stderr == "error: --ip 'x' is not an IP address\n"


def test_ca_init_help_states_the_sizes_it_accepts(cluster_env, ctx) -> None:  # type: ignore[no-untyped-def]
    r = run_cli({**cluster_env, "COLUMNS": "200"}, "ca", "init", "--help")
    assert r.code == 0
    helptext = " ".join(re.sub(r"[│╭╮╰╯─]", " ", r.stdout).split())
    for key_type, sizes in ca.CA_KEY_SIZES.items():
        assert f"{key_type} {'/'.join(map(str, sizes))}" in helptext
    assert "FIPS" in helptext
    # A size outside the list is refused with the list; nothing is created.
    for key_type, size in (("EC", "521"), ("RSA", "1024"), ("RSA", "8192")):
        r = run_cli(cluster_env, "ca", "init", "--key-type", key_type, "--key-size", size)
        assert r.code == 2, r.stderr
        assert r.stderr == (f"error: --key-size: {key_type} CA key size must be one of "
                            f"{'/'.join(map(str, ca.CA_KEY_SIZES[key_type]))}, not {size}\n")
    from certyard import backup
    from certyard.policy import enable_fips

    backup.set_security_password(ctx, "Fourteen-chars-pw-9")
    enable_fips(ctx)
    # FIPS mode: a choice it does not approve says so and names the sizes that work; a
    # FIPS-approved size that ca init does not offer gets the same list as without FIPS.
    r = run_cli(cluster_env, "ca", "init", "--key-type", "RSA", "--key-size", "1024")
    assert r.code == 2 and r.stderr == ("error: --key-size: FIPS mode is on: a RSA-1024 CA key "
                                        "is not FIPS-approved; choose RSA 2048/3072/4096; "
                                        "EC 256/384\n")
    r = run_cli(cluster_env, "ca", "init", "--key-type", "EC", "--key-size", "521")
    assert r.code == 2 and "must be one of 256/384, not 521" in r.stderr
    # Every listed size is accepted in FIPS mode too (the smallest of each, to stay quick).
    r = run_cli(cluster_env, "ca", "init", "--key-type", "EC", "--key-size", "256")
    assert r.code == 0, r.stderr
