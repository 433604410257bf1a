"""deploy/replicas.sh for real: PostgreSQL, two replicas and HAProxy start; both front
ends answer; kill -9 of one replica is invisible through HAProxy; stop ends everything."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.support.peers import requires_peer
from tests.support.ports import free_port
from tests.support.postgres import find_pg_bin

pytestmark = pytest.mark.slow  # quick lane: pytest -m "not slow"

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "replicas.sh"


@requires_peer(shutil.which("haproxy") is not None and find_pg_bin() is not None,
               "haproxy and PostgreSQL", install="apt-get install haproxy postgresql")
def test_replicas_script_start_failover_stop() -> None:
    ports = {k: str(free_port()) for k in ("PG_PORT", "R1_HTTPS", "R1_HTTP", "R2_HTTPS",
                                           "R2_HTTP", "FRONT_HTTPS", "FRONT_HTTP")}
    env = {**os.environ, **ports}
    env.pop("CERTYARD_HOME", None)
    # Run as root, PostgreSQL runs as ``postgres``, which must be able to reach DIR/pg
    # (pytest's tmp_path is private to root).
    base = Path(tempfile.mkdtemp(prefix="certyard-deploy-"))
    base.chmod(0o711)
    d = base / "deploy"

    def run(cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), cmd, str(d)], env=env, capture_output=True,
                              text=True, timeout=120)

    try:
        started = run("start")
        assert started.returncode == 0, (started.stdout, started.stderr)
        assert "One-time password" in started.stdout
        assert oct((d / "master.key").stat().st_mode)[-3:] == "600"
        front, tls_front = (f"http://127.0.0.1:{ports['FRONT_HTTP']}",
                            f"https://127.0.0.1:{ports['FRONT_HTTPS']}")
        assert httpx.get(f"{front}/readyz").json()["status"] == "ok"
        os.kill(int((d / "r1" / "pid").read_text()), signal.SIGKILL)
        for _ in range(10):
            assert httpx.get(f"{front}/ca/root.pem").status_code == 200
            assert httpx.get(f"{tls_front}/healthz", verify=False).status_code == 200
        status = run("status").stdout.splitlines()
        assert status[0].endswith("down") and '"ok"' in status[1], status
    finally:
        stopped = run("stop")
    assert stopped.returncode == 0, stopped.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{ports['FRONT_HTTP']}/readyz")
    assert not (d / "pg" / "data" / "postmaster.pid").exists()
    shutil.rmtree(base, ignore_errors=True)
