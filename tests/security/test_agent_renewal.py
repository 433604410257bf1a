"""Finding 12: renewing an agent certificate revokes the old one (superseded) at the CA,
so a stolen old certificate stops working at once."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from fastapi.testclient import TestClient

from certyard import ca, cluster
from certyard.server.agent_listener import create_agent_app
from tests.security.helpers import agent_csr, enrolled_agent, with_peer


@pytest.fixture
def pub(ctx: Any) -> Any:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx)
    return ctx


def test_renewal_revokes_the_old_agent_certificate(pub: Any) -> None:
    old = enrolled_agent(pub, "pub")
    client = TestClient(with_peer(create_agent_app(pub), old), base_url="https://testserver",
                        raise_server_exceptions=False)
    r = client.post("/agent/v1/renew", json={"csr": agent_csr()[1].decode()})
    assert r.status_code == 200, r.text
    serial = format(x509.load_pem_x509_certificate(old.encode()).serial_number, "x")
    issued = {i.serial: i for i in ca.list_issued(pub)}
    assert issued[serial].status == "revoked" and issued[serial].reason == "superseded"
    # The old certificate no longer reaches the node's state; the new one does.
    assert client.get("/agent/v1/state").status_code == 403
    new = TestClient(with_peer(create_agent_app(pub), r.json()["certificate"]),
                     base_url="https://testserver", raise_server_exceptions=False)
    assert new.get("/agent/v1/state").status_code == 200
