from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from certyard import acme
from certyard.config import Settings
from certyard.context import open_context
from tests.acme.helpers import acme_server, setup_ca
from tests.support.ports import free_port


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_smoke(env: dict[str, str], tmp_path: Path) -> None:
    ctx = open_context(Settings.from_env(env))
    setup_ca(ctx)
    acme.add_profile(ctx, "web", allowed_names=["localhost"])
    port = free_port()
    acme.update_acme_settings(ctx, http_port=port)
    with acme_server(ctx, tmp_path / "srv") as srv:
        d = tmp_path / "cb"
        r = subprocess.run(
            ["certbot", "certonly", "-n", "--agree-tos", "-m", "ops@example.com",
             "--server", srv.directory("web"), "--standalone", "--http-01-port", str(port),
             "--http-01-address", "127.0.0.1", "-d", "localhost",
             "--config-dir", str(d / "c"), "--work-dir", str(d / "w"),
             "--logs-dir", str(d / "l")],
            env={**os.environ, "REQUESTS_CA_BUNDLE": str(srv.root_pem)},
            capture_output=True, text=True, timeout=300)
        print(r.stdout, r.stderr)
        assert r.returncode == 0
