from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from certyard import cluster
from certyard.db.models import PrivateKey
from certyard.sealing import MasterKey, load_or_create_master_key
from certyard.sealing.master import MasterKeyError


def test_seal_round_trip_and_aad_binding() -> None:
    key = MasterKey(os.urandom(32))
    blob = key.seal(b"secret", aad=b"a")
    assert key.open(blob, aad=b"a") == b"secret"
    with pytest.raises(MasterKeyError, match="wrong master key or tampered"):
        key.open(blob, aad=b"b")
    with pytest.raises(MasterKeyError):
        MasterKey(os.urandom(32)).open(blob, aad=b"a")
    assert "hidden" in repr(key)


def test_key_file_created_0600_and_reused(tmp_path: Path) -> None:
    f = tmp_path / "master.key"
    k1 = load_or_create_master_key(env_value=None, key_file=f)
    assert f.stat().st_mode & 0o777 == 0o600
    blob = k1.seal(b"x", aad=b"")
    k2 = load_or_create_master_key(env_value=None, key_file=f)
    assert k2.open(blob, aad=b"") == b"x"
    f.chmod(0o644)
    with pytest.raises(MasterKeyError, match="chmod 600"):
        load_or_create_master_key(env_value=None, key_file=f)


def test_env_key_validation(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="base64"):
        load_or_create_master_key(env_value="!!!", key_file=tmp_path / "k")
    with pytest.raises(MasterKeyError, match="32 bytes"):
        load_or_create_master_key(env_value=base64.b64encode(b"short").decode(),
                                  key_file=tmp_path / "k")


def test_no_plaintext_key_in_database(ctx) -> None:  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    with ctx.read() as s:
        rows = list(s.scalars(select(PrivateKey)))
    assert len(rows) == 3
    for row in rows:
        assert b"PRIVATE KEY" not in row.sealed
        assert row.sealed[:1] == b"\x01" and len(row.sealed) > 100
        # The DER of a PKCS#8 key begins with SEQUENCE; sealed data must not.
        assert not row.sealed[13:].startswith(b"\x30\x82")
