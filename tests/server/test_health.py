"""/healthz and /readyz in-process on both apps: each readiness check turns the answer to
503 on its own, the admin allowlist does not apply to them, and they carry no secrets."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from certyard import accounts, cluster
from certyard.server import create_app, create_http_app
from certyard.server.health import ServerState, readiness


def _clients(ctx, state):  # type: ignore[no-untyped-def]
    return [TestClient(create_app(ctx, state=state), base_url="https://testserver"),
            TestClient(create_http_app(ctx, https_port=8443, state=state),
                       base_url="http://testserver")]


def test_ready_then_draining_then_tls_missing(ctx):
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    state = ServerState()
    for c in _clients(ctx, state):
        assert c.get("/healthz").json() == {"status": "ok"}
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json()["status"] == "ok"
    state.draining = True
    for c in _clients(ctx, state):
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["accepting"] is False
        assert c.get("/healthz").status_code == 200  # alive while draining
    state.draining, state.tls_loaded = False, False
    r = _clients(ctx, state)[0].get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["tls"] is False


def test_probes_bypass_the_admin_allowlist(ctx):
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    accounts.add_allowed(ctx, "192.0.2.0/24")  # the test client is not in it
    c = _clients(ctx, ServerState())[0]
    assert c.get("/login").status_code == 403
    assert c.get("/readyz").status_code == 200
    assert c.get("/healthz").status_code == 200


def test_schema_behind_the_code_is_not_ready(ctx):
    state = ServerState()
    assert readiness(ctx, state)["migrations"] is True
    with ctx.engine.begin() as conn:
        heads = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = :v"),
                     {"v": heads[0]})
    checks = readiness(ctx, ServerState())
    assert checks["migrations"] is False and checks["database"] is True


def test_database_unreachable_is_not_ready():
    class Down:
        engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                               connect_args={"connect_timeout": 2})

    checks = readiness(Down(), ServerState())
    assert checks == {"database": False, "migrations": False, "tls": True, "accepting": True}
