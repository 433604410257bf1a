"""An outside tester's CLI findings (issue 15): the revocation state of store certificates
in `cert list` / `cert show` (and --json), from the web list's source of truth; errors name
the path and the option the user typed; bare groups print their help and exit 2."""

from __future__ import annotations

import json

import pytest

from certyard import ca, cluster, monitor, store
from tests.support.cli import run_cli


@pytest.fixture(params=["sqlite"])
def backend(request):  # type: ignore[no-untyped-def]
    return request.param


@pytest.fixture
def cluster_env(ctx, env):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    return env


def test_cert_list_and_show_carry_the_revocation_state(cluster_env, ctx) -> None:  # type: ignore[no-untyped-def]
    ca.init_ca(ctx)
    store.generate_csr(ctx, "tomcat")
    req = ca.sign_pending(ctx, "tomcat", approve=True)
    entry = next(e for e in store.find_entries(ctx, purpose="tomcat", type="identity").items
                 if e.serial)
    ca.revoke_certificate(ctx, entry.serial, reason="keyCompromise")
    assert req.id and monitor.revocation_states(ctx, [entry.id])[entry.id].status == "revoked"
    r = run_cli({**cluster_env, "COLUMNS": "250"}, "cert", "list", "--purpose", "tomcat")
    assert r.code == 0, r.stderr
    assert "Revocation" in r.stdout and "Revoked" in r.stdout
    r = run_cli(cluster_env, "cert", "list", "--purpose", "tomcat", "--json")
    items = json.loads(r.stdout)["items"]
    mine = next(i for i in items if i["id"] == entry.id)
    assert mine["revocation"]["status"] == "revoked"
    assert mine["revocation"]["reason"] == "keyCompromise"
    assert mine["revocation"]["since"]
    r = run_cli({**cluster_env, "COLUMNS": "250"}, "cert", "show", str(entry.id))
    line = next(x for x in r.stdout.splitlines() if x.strip().startswith("Revocation"))
    assert "Revoked" in line and "(key compromise)" in line and "20" in line  # status, reason, date
    r = run_cli(cluster_env, "cert", "show", str(entry.id), "--json")
    rev = json.loads(r.stdout)["revocation"]
    assert (rev["status"], rev["reason"], rev["source"]) == ("revoked", "keyCompromise",
                                                             "built-in CA")


def test_output_file_errors_name_the_path_typed(cluster_env, ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ca.init_ca(ctx)
    store.generate_csr(ctx, "tomcat")
    entry = store.find_entries(ctx, type="csr").items[0]
    target = tmp_path / "adir"
    target.mkdir()
    r = run_cli(cluster_env, "cert", "download", str(entry.id), "-o", str(target))
    assert r.code == 3, r.stderr
    assert r.stderr == f"error: cannot use {target}: Is a directory\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = run_cli(cluster_env, "cert", "download", str(entry.id), "-o", str(afile / "out.pem"))
    assert r.code == 3 and "Traceback" not in r.stderr
    assert str(afile) in r.stderr and ".tmp" not in r.stderr
    r = run_cli(cluster_env, "cert", "download", str(entry.id), "-o", str(tmp_path / "ok.pem"))
    assert r.code == 0 and (tmp_path / "ok.pem").read_bytes().startswith(b"-----BEGIN")


@pytest.mark.parametrize(("args", "message"), [
    (("ca", "config", "--crl-days", "0"), "error: --crl-days: CRL validity must be 1 to 365 days"),
    (("ca", "config", "--ocsp-hours", "0"),
     "error: --ocsp-hours: OCSP response validity must be 1 to 168 hours"),
    (("ca", "config", "--crl-shards", "5000"), "error: --crl-shards must be 0 (off) to 1024"),
    (("purpose", "add", "p2", "--key-type", "DSA"),
     "error: --key-type must be RSA or EC, not 'DSA'"),
    (("purpose", "add", "p3", "--default-key-length", "999"),
     "error: --default-key-length must be one of the allowed lengths (2048, 3072, 4096), not 999"),
    (("ca", "deny", "1"), "error: --reason: a reason is required to deny a request"),
])
def test_errors_name_the_option_typed(cluster_env, ctx, args, message) -> None:  # type: ignore[no-untyped-def]
    ca.init_ca(ctx)
    before = ca.ca_settings(ctx)
    r = run_cli(cluster_env, *args)
    assert (r.code, r.stderr) == (2, message + "\n")
    assert ca.ca_settings(ctx) == before  # nothing changed
    assert "p2" not in [p.name for p in store.list_purposes(ctx)]


def test_ca_init_names_key_size(cluster_env) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(cluster_env, "ca", "init", "--key-type", "EC", "--key-size", "521")
    assert (r.code, r.stderr) == (2, "error: --key-size: EC CA key size must be one of 256/384, "
                                     "not 521\n")


@pytest.mark.parametrize("group", [(), ("node",), ("ca",), ("cert",), ("monitor", "revocation")])
def test_bare_groups_print_their_help_and_exit_2(cluster_env, group) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(cluster_env, *group)
    path = " ".join(("certyard", *group))
    assert r.code == 2
    assert "Usage:" in r.stdout and "Commands" in r.stdout  # the group's help
    assert r.stderr == (f"error: missing command: `{path}` needs one of the commands listed "
                        f"above (see `{path} --help`)\n")
