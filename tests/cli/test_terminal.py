"""On a real terminal (a pseudo-terminal): destructive commands ask and an answer of "n"
changes nothing (exit 1, one line); binary output refuses the terminal unless -o is given."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane


def _on_terminal(env: dict[str, str], *args: str, answer: bytes = b"",
                 stdout_tty: bool = True) -> tuple[int, str, bytes]:
    """Run the CLI with stdin (and stdout) on a pty; type ``answer`` once it asks."""
    master, slave = pty.openpty()
    out_r, out_w = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "certyard.cli.main", *args], stdin=slave,
        stdout=slave if stdout_tty else out_w, stderr=slave, env={**os.environ, **env},
        close_fds=True)
    os.close(slave)
    os.close(out_w)
    seen = b""
    piped = b""
    answered = not answer
    open_fds = [master, out_r]
    deadline = time.monotonic() + 120  # generous: only a guard against a hang
    while open_fds:
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{args} did not finish: {seen!r}")
        ready, _, _ = select.select(open_fds, [], [], 0.2)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the pty's other side closed
                chunk = b""
            if not chunk:
                open_fds.remove(fd)
            elif fd == master:
                seen += chunk
            else:
                piped += chunk
        if not answered and b"?" in seen:
            os.write(master, answer)
            answered = True
    proc.wait(timeout=120)
    os.close(master)
    os.close(out_r)
    return proc.returncode, seen.decode(errors="replace"), piped


@pytest.fixture
def backend() -> str:
    """What a terminal shows does not depend on the database (and each check here starts a
    CLI process): SQLite only; the CLI's behaviour on both backends is tested in-process."""
    return "sqlite"


@pytest.fixture
def cluster(cli, env):  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("node", "add", "sub1", "--fqdn", "sub1.example.com").code == 0
    return env


def test_answering_no_aborts_with_one_line_and_changes_nothing(cli, cluster) -> None:  # type: ignore[no-untyped-def]
    code, text, _ = _on_terminal(cluster, "node", "remove", "sub1", answer=b"n\n")
    assert code == 1, text
    assert "Remove node sub1" in text and "aborted; nothing was changed" in text
    assert "Traceback" not in text
    assert cli("node", "list", "--json").json()["total"] == 2
    code, text, _ = _on_terminal(cluster, "node", "remove", "sub1", answer=b"y\n")
    assert code == 0, text
    assert cli("node", "list", "--json").json()["total"] == 1


def test_revoke_asks_too(cli, cluster) -> None:  # type: ignore[no-untyped-def]
    assert cli("ca", "init").code == 0
    code, text, _ = _on_terminal(cluster, "ca", "revoke", "0123ABCD", answer=b"n\n")
    assert code == 1 and "cannot be undone" in text and "aborted" in text


def test_binary_output_refuses_a_terminal_unless_o(cli, cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("ca", "init").code == 0
    entry = cli("cert", "list", "--type", "identity", "--json").json()["items"][0]["id"]
    for args in (("cert", "download", str(entry), "--format", "der"), ("ca", "crl"),
                 ("ca", "export", "--format", "der"), ("ca", "export", "--format", "p7b")):
        code, text, _ = _on_terminal(cluster, *args)
        assert code == 2, (args, text)
        assert "-o FILE" in text and "Traceback" not in text
        assert "\x00" not in text
        target = tmp_path / f"{args[0]}-{args[1]}.bin"
        code, text, _ = _on_terminal(cluster, *args, "-o", str(target))
        assert code == 0, (args, text)
        assert target.read_bytes()[:1] == b"\x30"  # DER: an ASN.1 SEQUENCE
    # PEM is text: a terminal may show it.
    code, text, _ = _on_terminal(cluster, "cert", "download", str(entry))
    assert code == 0 and "BEGIN CERTIFICATE" in text
    # Piped, DER flows as before.
    code, text, piped = _on_terminal(cluster, "ca", "crl", stdout_tty=False)
    assert code == 0 and piped[:1] == b"\x30"
