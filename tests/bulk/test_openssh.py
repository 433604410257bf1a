"""Bulk export and import against Debian's OpenSSH sshd (internal-sftp) on loopback."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import asyncssh
import pytest

from certyard import bulk
from certyard.cluster import init_cluster
from tests.bulk.openssh import OpenSshServer, available
from tests.support.peers import requires_peer

pytestmark = [pytest.mark.slow,
              requires_peer(available(), "sshd (as root)",
                            install="apt-get install openssh-server")]


def test_export_and_import_via_openssh(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    key = asyncssh.generate_private_key("ssh-ed25519")
    srv = OpenSshServer(tmp_path / "sshd", key.export_public_key().decode().strip())
    target = tmp_path / "drop"
    target.mkdir()
    try:
        bulk.configure_sftp(ctx, host="127.0.0.1", port=srv.port, user_id=srv.user,
                            directory=str(target), private_key=key.export_private_key(),
                            known_hosts=srv.known_hosts_line())
        res = bulk.export_certificates(ctx, "all")
        base = Path(res.remote_path)
        manifest = json.loads((base / "manifest.json").read_text())
        for f in manifest["files"]:
            assert hashlib.sha512((base / f["path"]).read_bytes()).hexdigest() == f["sha512"]
        assert [p.name for p in target.iterdir()] == [base.name]
        preview = bulk.preview_import(ctx, base.name)
        assert preview.certificates and all(c["already_in"] for c in preview.certificates)
        # a different pinned key is refused before logging in
        other = asyncssh.generate_private_key("ssh-ed25519")
        bulk.configure_sftp(ctx, host="127.0.0.1", port=srv.port, user_id=srv.user,
                            directory=str(target),
                            host_key_fingerprint=other.get_fingerprint("sha256"))
        with pytest.raises(bulk.SftpError, match="host key not trusted"):
            bulk.export_certificates(ctx, "tomcat")
        # a key sshd does not know: clear login failure
        bulk.configure_sftp(ctx, host="127.0.0.1", port=srv.port, user_id=srv.user,
                            directory=str(target), known_hosts=srv.known_hosts_line(),
                            private_key=other.export_private_key())
        with pytest.raises(bulk.SftpError, match="login failed"):
            bulk.export_certificates(ctx, "tomcat")
        assert [p.name for p in target.iterdir()] == [base.name]
    finally:
        srv.close()


def test_fips_mode_uses_only_fips_ssh_algorithms(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Seed 002 ch. 6: in FIPS mode SFTP negotiates only FIPS-approved algorithms: an sshd
    offering rsa-sha2-256 and AES-GCM works; one offering only CHACHA20-POLY1305 is refused
    with a clear error and nothing is written."""
    from certyard import policy
    from certyard.errors import ExternalServiceError
    from tests.support.modes import fips_ready

    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    fips_ready(ctx)
    policy.enable_fips(ctx)
    key = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    target = tmp_path / "drop"
    target.mkdir()
    good = OpenSshServer(tmp_path / "good", key.export_public_key().decode().strip(),
                         key_type="rsa", extra=("HostKeyAlgorithms rsa-sha2-256",))
    bad = OpenSshServer(tmp_path / "bad", key.export_public_key().decode().strip(),
                        key_type="rsa", extra=("Ciphers chacha20-poly1305@openssh.com",))
    try:
        bulk.configure_sftp(ctx, host="127.0.0.1", port=good.port, user_id=good.user,
                            directory=str(target), private_key=key.export_private_key(),
                            known_hosts=good.known_hosts_line())
        assert bulk.export_certificates(ctx, "all").remote_path
        bulk.configure_sftp(ctx, host="127.0.0.1", port=bad.port, user_id=bad.user,
                            directory=str(target), private_key=key.export_private_key(),
                            known_hosts=bad.known_hosts_line())
        before = sorted(p.name for p in target.iterdir())
        with pytest.raises(ExternalServiceError):
            bulk.export_certificates(ctx, "all")
        assert sorted(p.name for p in target.iterdir()) == before
        policy.disable_fips(ctx)  # the same server is fine outside FIPS mode
        ctx.clock.advance(__import__("datetime").timedelta(seconds=2))  # a new export name
        assert bulk.export_certificates(ctx, "all").remote_path
    finally:
        good.close()
        bad.close()
