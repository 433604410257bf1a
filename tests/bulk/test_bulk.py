"""Bulk export/import against a real SFTP server on loopback (asyncssh)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import select

from certyard import bulk
from certyard.cluster import add_node, init_cluster
from certyard.config import Settings
from certyard.context import open_context
from certyard.db.models.bulk import BulkSftpSettings
from certyard.errors import Conflict, InvalidFile, InvalidInput, NotFound
from tests.bulk.sftpserver import SftpTestServer
from tests.conftest import MASTER_KEY


@pytest.fixture
def sftp(tmp_path: Path) -> Iterator[SftpTestServer]:
    root = tmp_path / "sftproot"
    (root / "exports").mkdir(parents=True)
    srv = SftpTestServer(root)
    yield srv
    srv.close()


def _configure(ctx, srv: SftpTestServer, **over) -> None:  # type: ignore[no-untyped-def]
    args = dict(host="127.0.0.1", port=srv.port, user_id=srv.user, directory="/exports",
                password=srv.password, host_key_fingerprint=srv.fingerprint)
    args.update(over)
    bulk.configure_sftp(ctx, **args)


def _remote(srv: SftpTestServer) -> list[str]:
    return sorted(str(p.relative_to(srv.root / "exports"))
                  for p in (srv.root / "exports").rglob("*"))


def test_export_tomcat_with_manifest(ctx, sftp) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    add_node(ctx, "sub1", fqdn="sub1.example.com")
    _configure(ctx, sftp)
    seen: list[tuple[int, int, str]] = []
    res = bulk.export_certificates(ctx, "Tomcat", progress=lambda d, t, f: seen.append((d, t, f)))
    name = res.remote_path.rsplit("/", 1)[1]
    base = sftp.root / "exports" / name
    manifest = json.loads((base / "manifest.json").read_text())
    paths = sorted(f["path"] for f in manifest["files"])
    assert paths == ["nodes/pub/tomcat-ECDSA.pem", "nodes/pub/tomcat.pem",
                     "nodes/sub1/tomcat-ECDSA.pem", "nodes/sub1/tomcat.pem"]
    for f in manifest["files"]:
        assert hashlib.sha512((base / f["path"]).read_bytes()).hexdigest() == f["sha512"]
    # nothing temporary is left, and nothing but the export is there
    assert not [p for p in _remote(sftp) if ".tmp" in p or ".part" in p]
    assert seen[-1][0] == seen[-1][1] == 5
    assert "PRIVATE KEY" not in "".join(p.read_text() for p in base.rglob("*.pem"))
    with pytest.raises(InvalidInput, match="Tomcat, TFTP, All"):
        bulk.export_certificates(ctx, "everything")
    with pytest.raises(Conflict, match="already exists"):
        bulk.export_certificates(ctx, "tomcat")  # same name (fixed clock): never overwritten
    tftp = bulk.export_certificates(ctx, "tftp")
    assert all(f["kind"] == "trust" for f in tftp.manifest["files"])
    allx = bulk.export_certificates(ctx, "all")
    assert len(allx.manifest["files"]) > len(tftp.manifest["files"])


def test_known_hosts_and_key_login(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "r" / "exports").mkdir(parents=True)
    srv = SftpTestServer(tmp_path / "r", client_key=key)
    try:
        bulk.configure_sftp(ctx, host="127.0.0.1", port=srv.port, user_id=srv.user,
                            directory="/exports", private_key=key.export_private_key(),
                            known_hosts=srv.known_hosts_line())
        assert bulk.export_certificates(ctx, "tomcat").files == 3
        view = bulk.show_sftp(ctx)
        assert view.has_private_key and not view.has_password and view.known_hosts_entries == 1
    finally:
        srv.close()


def test_wrong_host_key_is_refused(ctx, sftp) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    other = asyncssh.generate_private_key("ssh-ed25519")
    _configure(ctx, sftp, host_key_fingerprint=other.get_fingerprint("sha256"))
    with pytest.raises(bulk.SftpError, match="host key not trusted"):
        bulk.export_certificates(ctx, "tomcat")
    line = other.export_public_key("openssh").decode().strip()
    _configure(ctx, sftp, host_key_fingerprint=None, known_hosts=f"[127.0.0.1]:{sftp.port} {line}")
    with pytest.raises(bulk.SftpError, match="host key not trusted"):
        bulk.export_certificates(ctx, "tomcat")
    assert _remote(sftp) == []


def test_clear_errors_and_nothing_half_written(ctx, sftp) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    _configure(ctx, sftp, password="wrong-password")
    with pytest.raises(bulk.SftpError, match="login failed for user bulk"):
        bulk.export_certificates(ctx, "all")
    _configure(ctx, sftp, directory="/no/such/dir")
    with pytest.raises(bulk.SftpError, match="directory /no/such/dir does not exist"):
        bulk.export_certificates(ctx, "all")
    _configure(ctx, sftp)
    sftp.fail_writes_after = 1500  # the disk fills up part-way through
    with pytest.raises(bulk.SftpError, match=r"No space left on device.*nothing was left"):
        bulk.export_certificates(ctx, "all")
    assert _remote(sftp) == []
    sftp.fail_writes_after = None
    from tests.support.ports import closed_port

    with closed_port() as closed:  # bound and never listening for the whole check
        _configure(ctx, sftp, port=closed)
        with pytest.raises(bulk.SftpError, match=f"127.0.0.1:{closed} unreachable"):
            bulk.export_certificates(ctx, "all")
    # a failed export is audited as a failure
    from certyard.audit.query import AuditFilter, list_events

    assert len(list_events(ctx, AuditFilter(action="bulk.export", outcome="failure"))) == 4


def test_settings_rules(ctx) -> None:  # type: ignore[no-untyped-def]
    ok = dict(host="sftp.example.com", user_id="bulk", directory="/users/cisco",
              password="pw-123", host_key_fingerprint="SHA256:" + "A" * 43)
    for change, match in [
        (dict(host="not a host"), "neither an IP"),
        (dict(port=0), "port must be"),
        (dict(user_id=""), "user ID"),
        (dict(directory="relative/dir"), "absolute path"),
        (dict(directory="/a/../b"), "'..'"),
        (dict(host_key_fingerprint="md5:aa"), "SHA256:"),
        (dict(host_key_fingerprint=None), "never accepted blindly"),
        (dict(password=None), "password or a private key"),
    ]:
        with pytest.raises(InvalidInput, match=match):
            bulk.configure_sftp(ctx, **{**ok, **change})
    for change, match in [  # a file that is not one (exit 3 in the CLI, 422 over HTTP)
        (dict(known_hosts="garbage line"), "known_hosts"),
        (dict(private_key=b"not a key"), "private key cannot be read"),
    ]:
        with pytest.raises(InvalidFile, match=match):
            bulk.configure_sftp(ctx, **{**ok, **change})
    with pytest.raises(NotFound):
        bulk.show_sftp(ctx)
    view = bulk.configure_sftp(ctx, **ok)
    assert view.port == 22 and view.has_password and "pw-123" not in str(view.to_dict())
    with ctx.read() as s:
        row = s.scalars(select(BulkSftpSettings)).one()
        assert b"pw-123" not in (row.password_sealed or b"")
    # a password already stored is kept when not given again
    assert bulk.configure_sftp(ctx, **{**ok, "password": None}).has_password
    # ... but never sent to another server or user: it must be entered again (security
    # review), and the refused change leaves the settings as they were
    for other in (dict(host="evil.example.net"), dict(port=2222), dict(user_id="someone")):
        with pytest.raises(InvalidInput, match="password or a private key"):
            bulk.configure_sftp(ctx, **{**ok, "password": None, **other})
    assert bulk.show_sftp(ctx).host == "sftp.example.com" and bulk.show_sftp(ctx).has_password


@pytest.fixture
def other_cluster(tmp_path: Path, clock, sftp) -> Iterator[object]:  # type: ignore[no-untyped-def]
    home = tmp_path / "clusterb"
    other = open_context(Settings.from_env({
        "CERTYARD_HOME": str(home), "CERTYARD_DATABASE_URL": f"sqlite:///{home}/b.db",
        "CERTYARD_MASTER_KEY": MASTER_KEY}), clock=clock)
    init_cluster(other, name="bpub", fqdn="bpub.example.org", cluster_name="clusterb")
    _configure(other, sftp)
    yield other
    other.engine.dispose()


def test_import_from_another_cluster(ctx, sftp, other_cluster) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    _configure(ctx, sftp)
    exported = bulk.export_certificates(other_cluster, "tomcat")
    name = exported.remote_path.rsplit("/", 1)[1]
    assert bulk.list_exports(ctx) == [name]
    preview = bulk.preview_import(ctx, name)
    assert preview.cluster == "clusterb" and len(preview.certificates) == 2
    assert all(c["already_in"] == [] and c["valid_now"] for c in preview.certificates)
    with pytest.raises(InvalidInput, match="unknown purpose 'nope'"):
        bulk.import_trust_certificates(ctx, name, ["tomcat-trust", "nope-trust"])
    assert all(c["already_in"] == [] for c in bulk.preview_import(ctx, name).certificates)
    res = bulk.import_trust_certificates(ctx, name, ["tomcat-trust", "ipsec-trust"])
    assert res["stores"]["tomcat-trust"]["added"] == 2
    again = bulk.preview_import(ctx, name)
    assert all(c["already_in"] == ["ipsec-trust", "tomcat-trust"] for c in again.certificates)
    res = bulk.import_trust_certificates(ctx, name, ["tomcat-trust"])
    assert res["stores"]["tomcat-trust"] == {"added": 0, "duplicates": 2, "warnings": []}
    # an altered file is caught by its SHA-512
    pem = next((sftp.root / "exports" / name / "nodes").rglob("tomcat.pem"))
    pem.write_text(pem.read_text().replace("\n", "\r\n"))
    with pytest.raises(InvalidFile, match="SHA-512"):
        bulk.preview_import(ctx, name)
    with pytest.raises(NotFound, match="not found"):
        bulk.preview_import(ctx, "certyard-export-missing")
    with pytest.raises(InvalidInput, match="not a certyard export"):
        bulk.preview_import(ctx, "../etc")


def test_cli(cli, ctx, sftp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    pw = tmp_path / "pw"
    pw.write_text(sftp.password + "\n")
    r = cli("bulk", "configure", "--host", "127.0.0.1", "--port", str(sftp.port), "--user",
            sftp.user, "--directory", "/exports", "--password-file", str(pw),
            "--host-key-fingerprint", sftp.fingerprint, "--json")
    assert r.code == 0, r.stderr
    assert sftp.password not in r.stdout and r.json()["has_password"]
    assert cli("bulk", "show", "--json").json()["directory"] == "/exports"
    r = cli("bulk", "export", "tomcat", "--json")
    assert r.code == 0, r.stderr
    name = r.json()["remote_path"].rsplit("/", 1)[1]
    r = cli("bulk", "export", "tomcat")  # the progress bar path
    assert r.code in (0, 5), r.stderr  # 5: same second, the name is taken (never overwritten)
    assert name in cli("bulk", "exports", "--json").json()["items"]
    r = cli("bulk", "import-preview", name, "--json")
    assert r.code == 0 and len(r.json()["certificates"]) == 2
    r = cli("bulk", "import", name, "--trust-store", "tomcat-trust", "--yes", "--json")
    assert r.code == 0, r.stderr
    st = r.json()["stores"]["tomcat-trust"]
    # our own tomcat certificate is already in tomcat-trust; the ECDSA one is added
    assert (st["added"], st["duplicates"]) == (1, 1)
    r = cli("bulk", "export", "nothing")
    assert r.code == 2 and "Tomcat, TFTP, All" in r.stderr
    r = cli("bulk", "configure", "--host", "127.0.0.1", "--user", "u", "--directory", "/x",
            "--password-file", str(pw))
    assert r.code == 2 and "never accepted blindly" in r.stderr


def test_conflict_when_nothing_to_export(ctx, sftp) -> None:  # type: ignore[no-untyped-def]
    _configure(ctx, sftp)
    with pytest.raises(Conflict, match="no certificates"):
        bulk.export_certificates(ctx, "tomcat")


def test_host_key_scan_and_all_or_nothing_import(ctx, sftp, other_cluster, cli,  # type: ignore[no-untyped-def]
                                                 monkeypatch) -> None:
    assert bulk.scan_host_key("127.0.0.1", sftp.port) == sftp.fingerprint
    r = cli("bulk", "host-key", "--host", "127.0.0.1", "--port", str(sftp.port))
    assert r.code == 0 and r.stdout.strip() == sftp.fingerprint
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    _configure(ctx, sftp)
    name = bulk.export_certificates(other_cluster, "tomcat").remote_path.rsplit("/", 1)[1]
    from certyard import store

    before = store.find_entries(ctx, type="trust").total
    with pytest.raises(InvalidInput):  # an unknown store is named: refused up front
        bulk.import_trust_certificates(ctx, name, ["tomcat-trust", "ghost-trust"])
    assert store.find_entries(ctx, type="trust").total == before
    # tomcat-trust accepts the bundle, then the second store fails (injected database
    # failure): what the first accepted is taken back
    real = store.upload_trust_certificates

    def second_fails(c, ts, data, **kw):  # type: ignore[no-untyped-def]
        if ts == "ipsec-trust":
            raise InvalidFile("injected failure")
        return real(c, ts, data, **kw)

    monkeypatch.setattr(store, "upload_trust_certificates", second_fails)
    with pytest.raises(InvalidFile, match="injected"):
        bulk.import_trust_certificates(ctx, name, ["tomcat-trust", "ipsec-trust"])
    assert store.find_entries(ctx, type="trust").total == before
