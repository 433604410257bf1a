"""schemathesis drives every operation of the published OpenAPI document: no 5xx."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from certyard import accounts, cluster
from certyard.clock import SystemClock
from certyard.config import Settings
from certyard.context import open_context
from certyard.server import create_app


def _app():  # type: ignore[no-untyped-def]
    import atexit
    import shutil
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="certyard-st-"))
    atexit.register(shutil.rmtree, home, True)  # built at collection: gone with the process
    env = {"CERTYARD_HOME": str(home),
           "CERTYARD_MASTER_KEY": base64.b64encode(b"s" * 32).decode()}
    ctx = open_context(Settings.from_env(env), clock=SystemClock())
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    accounts.create_user(ctx, "fuzz", role="System Administrator", password="Sturdy-Pass-42",
                         must_change_password=False)
    _, token = accounts.create_token(ctx, "fuzz", name="fuzz")
    return create_app(ctx), token


APP, TOKEN = _app()
# The document is taken from the app itself, not fetched through a test client, so a busy
# machine cannot time out the collection of this module.
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP
schema.location = "/api/v1/openapi.json"


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):  # type: ignore[no-untyped-def]
    if case.path.startswith("/api/v1/me/tokens") and case.method == "DELETE":
        pytest.skip("revoking the fuzzer's own token would end the run early")
    # timeout: a guard against a hang, not a speed limit (schemathesis's default, 10 s,
    # was reached by a loaded 2-core machine).
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"},
                         base_url="https://testserver", timeout=120)
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
