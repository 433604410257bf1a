"""Finding 9: the example deployment does not hand out the database or the one-time admin
password: PostgreSQL asks every client for a password (scram-sha-256), the generated
password sits in a 0600 file, and the replicas' logs are private."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.scale.replicas import free_port
from tests.support.peers import requires_peer
from tests.support.postgres import find_pg_bin

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "replicas.sh"


def _mode(p: Path) -> str:
    return oct(p.stat().st_mode)[-3:]


@requires_peer(shutil.which("haproxy") is not None and find_pg_bin() is not None,
               "haproxy and PostgreSQL", install="apt-get install haproxy postgresql")
def test_example_deployment_keeps_database_and_admin_password_private() -> None:
    ports = {k: str(free_port()) for k in ("PG_PORT", "R1_HTTPS", "R1_HTTP", "R2_HTTPS",
                                           "R2_HTTP", "FRONT_HTTPS", "FRONT_HTTP")}
    env = {**os.environ, **ports}
    for k in ("CERTYARD_HOME", "PGPASSFILE", "PGPASSWORD"):
        env.pop(k, None)
    base = Path(tempfile.mkdtemp(prefix="certyard-deploy-"))
    base.chmod(0o711)
    d = base / "deploy"
    pg_bin = find_pg_bin()

    def run(cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), cmd, str(d)], env=env, capture_output=True,
                              text=True, timeout=600)

    try:
        started = run("start")
        assert started.returncode == 0, (started.stdout, started.stderr)
        assert _mode(d / "pg.password") == "600" and _mode(d / "pgpass") == "600"
        password = (d / "pg.password").read_text().strip()
        assert len(password) >= 24
        for r in ("r1", "r2"):
            assert _mode(d / r) == "700" and _mode(d / r / "serve.log") == "600"
        # No password: refused over TCP and over the local socket.
        for host in ("127.0.0.1", str(d / "pg")):
            anon = subprocess.run([f"{pg_bin}/psql", "-w", "-h", host, "-p", ports["PG_PORT"],
                                   "-U", "postgres", "-d", "certyard", "-tAc", "SELECT 1"],
                                  env=env, capture_output=True, text=True, timeout=30)
            assert anon.returncode != 0, anon.stdout
            assert "password" in anon.stderr, anon.stderr
        ok = subprocess.run([f"{pg_bin}/psql", "-w", "-h", "127.0.0.1", "-p",
                             ports["PG_PORT"], "-U", "postgres", "-d", "certyard", "-tAc",
                             "SELECT 1"], env={**env, "PGPASSWORD": password},
                            capture_output=True, text=True, timeout=30)
        assert ok.stdout.strip() == "1", ok.stderr
        assert password not in started.stdout + started.stderr
    finally:
        stopped = run("stop")
        shutil.rmtree(base, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr
