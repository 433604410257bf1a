"""The local host utility (seed 004 CiscoCertUtil) through the real CLI, checked with openssl."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def _run(cli, d: Path, *args: str, stdin: bytes = b""):  # type: ignore[no-untyped-def]
    return cli("local", *args, "--dir", str(d), stdin=stdin)


def test_generate_cert_reuses_key_and_never_overwrites(cli, tmp_path: Path) -> None:
    d = tmp_path / "ssl"
    r = _run(cli, d, "generate-csr", "--cn", "dialer.example.com")
    assert r.code == 0, r.stderr
    key1 = (d / "keys/host.key").read_bytes()
    assert stat.S_IMODE(os.stat(d / "keys/host.key").st_mode) == 0o600
    r = _run(cli, d, "generate-cert", "--cn", "dialer.example.com", "--json")
    assert r.code == 0 and r.json()["key_reused"] is True
    assert (d / "keys/host.key").read_bytes() == key1
    cert = x509.load_pem_x509_certificate((d / "certs/host.pem").read_bytes())
    key = serialization.load_pem_private_key(key1, None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]
    assert key.key_size == 2048  # type: ignore[union-attr]
    out = subprocess.run(["openssl", "verify", "-CAfile", d / "certs/host.pem",
                          d / "certs/host.pem"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    csr = subprocess.run(["openssl", "req", "-verify", "-noout", "-in", d / "certs/host.csr"],
                         capture_output=True, text=True)
    assert csr.returncode == 0, csr.stderr

    pem = (d / "certs/host.pem").read_bytes()
    r = _run(cli, d, "generate-cert")
    assert r.code == 5 and "--force" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (d / "certs/host.pem").read_bytes() == pem
    r = _run(cli, d, "generate-csr")
    assert r.code == 5
    r = _run(cli, d, "generate-cert", "--force", "--cn", "dialer.example.com")
    assert r.code == 0
    assert (d / "keys/host.key").read_bytes() != key1
    assert (d / "certs/host.pem").read_bytes() != pem


def test_install_list_remove(cli, tmp_path: Path) -> None:
    server, client = tmp_path / "cti", tmp_path / "dialer"
    assert _run(cli, server, "generate-cert", "--cn", "cti.example.com").code == 0
    pem = server / "certs/host.pem"
    r = _run(cli, client, "install", str(pem))
    assert r.code == 0, r.stderr
    assert (client / "trust-certs/cti.example.com.pem").exists()
    again = _run(cli, client, "install", str(pem))
    assert again.code == 5 and "remove it first" in again.stderr
    listed = _run(cli, client, "list", "--json").json()["items"]
    assert [c["name"] for c in listed] == ["cti.example.com"]
    assert listed[0]["location"] == "trust-certs"
    assert "cti.example.com" in _run(cli, client, "list").stdout
    assert _run(cli, client, "remove", "cti.example.com", "--yes").code == 0
    assert _run(cli, client, "list", "--json").json()["items"] == []
    assert _run(cli, client, "remove", "cti.example.com", "--yes").code == 4


def test_bad_input_leaves_directory_unchanged(cli, tmp_path: Path) -> None:
    d = tmp_path / "ssl"
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    r = _run(cli, d, "install", str(junk))
    assert r.code == 3 and len(r.stderr.strip().splitlines()) == 1
    assert _run(cli, d, "install", str(tmp_path / "missing.pem")).code == 3
    assert _run(cli, d, "remove", "../../etc/passwd", "--yes").code == 2
    assert not (d / "trust-certs").exists() or not any((d / "trust-certs").iterdir())
    (d / "keys").mkdir(parents=True)
    (d / "keys/host.key").write_bytes(b"garbage")
    r = _run(cli, d, "generate-cert", "--cn", "a.example.com")
    assert r.code == 3 and "host.key" in r.stderr
    assert not (d / "certs/host.pem").exists()
    assert (d / "keys/host.key").read_bytes() == b"garbage"


def test_host_name_is_never_localhost_for_a_named_host(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Seed 004: the certificate names this host. On a host called `vm` whose /etc/hosts
    maps the name to loopback, getfqdn() answers `localhost`; the host name is used."""
    import socket

    from certyard.hostutil.hostdir import host_fqdn

    monkeypatch.setattr(socket, "gethostname", lambda: "vm")
    monkeypatch.setattr(socket, "getfqdn", lambda name="": "localhost")
    assert host_fqdn() == "vm"
    monkeypatch.setattr(socket, "getfqdn", lambda name="": "vm.example.com")
    assert host_fqdn() == "vm.example.com"


def test_force_shreds_the_old_key(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from certyard.hostutil import hostdir

    calls: list[tuple[Path, int]] = []
    real = hostdir.shred_file

    def spy(path: Path, *, passes: int) -> None:
        calls.append((path, passes))
        real(path, passes=passes)

    monkeypatch.setattr(hostdir, "shred_file", spy)
    d = hostdir.HostDir(tmp_path)
    now = dt.datetime.now(dt.timezone.utc)
    d.generate_cert(common_name="host.example.com", now=now)
    old = d.key_path.read_bytes()
    d.generate_cert(common_name="host.example.com", now=now, force=True)
    assert calls == [(d.key_path, hostdir.SHRED_PASSES)]
    assert d.key_path.read_bytes() != old


def test_force_drops_the_old_csr_and_names_are_checked(tmp_path: Path) -> None:
    import datetime as dt

    import pytest

    from certyard.errors import InvalidInput
    from certyard.hostutil import hostdir

    d = hostdir.HostDir(tmp_path)
    now = dt.datetime.now(dt.timezone.utc)
    d.generate_cert(common_name="host.example.com", now=now)
    d.generate_csr(common_name="host.example.com")
    d.generate_cert(common_name="host.example.com", now=now, force=True)
    assert not d.csr_path.exists()  # it belonged to the replaced key
    with pytest.raises(InvalidInput, match="not a certificate name"):
        d.install(d.cert_path.read_bytes(), name="../evil")
    assert not (tmp_path / "evil.pem").exists()
