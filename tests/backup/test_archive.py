"""Backup and restore round trip on SQLite and PostgreSQL; wrong password, tampering and a
foreign file change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from certyard import backup, cluster, store
from certyard.backup.archive import BackupPasswordWrong
from certyard.config import Settings
from certyard.context import open_context
from certyard.errors import InvalidFile, InvalidInput
from tests.conftest import make_database_url
from tests.support.snapshot import store_snapshot


def test_round_trip_into_a_fresh_home(ctx, request, backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    cluster.add_node(ctx, "sub1", fqdn="sub1.example.com")
    store.generate_csr(ctx, "tomcat", distribution="multi-server")
    archive = tmp_path / "b.cybk"
    info = backup.create_backup(ctx, archive, password="correct horse")
    assert info.tables["store_entry"] == 14 and archive.stat().st_mode & 0o777 == 0o600
    raw = archive.read_bytes()
    assert b"PRIVATE" not in raw and b"pub.example.com" not in raw
    before = store_snapshot(ctx)

    # A different machine: new home, new database, its own (different) master key file.
    home2 = tmp_path / "home2"
    url2 = make_database_url(request, backend, home2)
    ctx2 = open_context(Settings.from_env({"CERTYARD_HOME": str(home2),
                                           "CERTYARD_DATABASE_URL": url2}))
    cluster.init_cluster(ctx2, name="other", fqdn="other.example.com")
    with pytest.raises(BackupPasswordWrong, match="security password in force"):
        backup.restore_backup(ctx2, archive, password="wrong password")
    backup.restore_backup(ctx2, archive, password="correct horse")
    ctx2.engine.dispose()
    ctx3 = open_context(Settings.from_env({"CERTYARD_HOME": str(home2),
                                           "CERTYARD_DATABASE_URL": url2}))
    after = store_snapshot(ctx3)
    assert after["store_entry"] == before["store_entry"]
    assert after["private_key"] == before["private_key"]
    # Keys open with the restored master key, and new rows get fresh ids.
    entry = store.find_entries(ctx3, type="identity", node="pub").items[0]
    assert entry.has_private_key
    result = store.generate_self_signed(ctx3, "ipsec", node="sub1")
    assert result.entries[0].id > max(r[0] for r in before["store_entry"])
    ctx3.engine.dispose()


def test_bad_archives_change_nothing(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    archive = tmp_path / "b.cybk"
    backup.create_backup(ctx, archive, password="correct horse")
    before = store_snapshot(ctx)
    tampered = tmp_path / "t.cybk"
    data = bytearray(archive.read_bytes())
    data[-5] ^= 1
    tampered.write_bytes(bytes(data))
    with pytest.raises(BackupPasswordWrong):
        backup.restore_backup(ctx, tampered, password="correct horse")
    foreign = tmp_path / "f.cybk"
    foreign.write_bytes(b"not a backup at all" * 10)
    with pytest.raises(InvalidFile, match="not a certyard backup"):
        backup.restore_backup(ctx, foreign, password="correct horse")
    with pytest.raises(InvalidInput, match="at least 8"):
        backup.create_backup(ctx, tmp_path / "x", password="short")
    assert store_snapshot(ctx) == before


def test_cli_backup_restore(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--fqdn", "pub.example.com").code == 0
    pw = tmp_path / "pw"
    pw.write_text("s3curity-password\n")
    r = cli("backup", str(tmp_path / "a.cybk"), "--password-file", str(pw), "--json")
    assert r.code == 0, r.stderr
    assert r.json()["tables"]["node"] == 1
    r = cli("restore", str(tmp_path / "a.cybk"), "--password-file", str(pw), "--yes")
    assert r.code == 0, r.stderr
    pw.write_text("another-password")
    r = cli("restore", str(tmp_path / "a.cybk"), "--password-file", str(pw), "--yes")
    assert r.code == 6 and "security password" in r.stderr
