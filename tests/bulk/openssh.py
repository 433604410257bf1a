"""OpenSSH's sshd from Debian on loopback, as root, with a temporary host key, key-only
login for the running user from a temporary authorized_keys, and the internal SFTP server."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.support.ports import free_port

SSHD = "/usr/sbin/sshd"


def available() -> bool:
    return os.path.exists(SSHD) and os.geteuid() == 0 and shutil.which("ssh-keygen") is not None


class OpenSshServer:
    def __init__(self, workdir: Path, client_public_key: str, *, key_type: str = "ed25519",
                 extra: tuple[str, ...] = ()) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.dir = workdir
        self.user = getpass.getuser()
        self.host_key = workdir / f"host_{key_type}"
        subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-f",
                        str(self.host_key)], check=True)
        auth = workdir / "authorized_keys"
        auth.write_text(client_public_key + "\n")
        auth.chmod(0o600)
        self.port = free_port()  # reserved below the ephemeral range, never handed out twice
        conf = workdir / "sshd_config"
        conf.write_text("\n".join([
            f"HostKey {self.host_key}", "ListenAddress 127.0.0.1",
            f"AuthorizedKeysFile {auth}", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no",
            f"PidFile {workdir / 'sshd.pid'}", "Subsystem sftp internal-sftp",
            "LogLevel ERROR", *extra, ""]))
        os.makedirs("/run/sshd", exist_ok=True)  # privilege separation directory
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(conf), "-p", str(self.port)],
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read() if self.proc.stderr else b""
                    raise RuntimeError(f"sshd exited: {err!r}") from None
                time.sleep(0.05)
        raise RuntimeError("sshd did not start")

    def known_hosts_line(self) -> str:
        pub = self.host_key.with_suffix(".pub").read_text().split()
        return f"[127.0.0.1]:{self.port} {pub[0]} {pub[1]}\n"

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
