"""ACME tests: a CA, the HTTPS app in process (ASGI), a directory allowing 127.0.0.0/8 and
localhost, and the validator pointed at a loopback http-01 responder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from certyard import acme
from tests.acme.client import AcmeClient, http01_responder
from tests.ca.helpers import setup_ca


@pytest.fixture
def answers() -> dict[str, str]:
    return {}


@pytest.fixture
def acme_app(ctx: Any, answers: dict[str, str]) -> Iterator[TestClient]:
    from certyard.server.app import create_app

    setup_ca(ctx)
    acme.add_profile(ctx, "lab", allowed_networks=["127.0.0.0/8"],
                     allowed_names=["localhost"], days=30)
    with http01_responder(answers) as port:
        acme.update_acme_settings(ctx, http_port=port, timeout=5)
        with TestClient(create_app(ctx), base_url="https://testserver") as client:
            yield client


@pytest.fixture
def client(acme_app: TestClient) -> AcmeClient:
    return AcmeClient(acme_app, "https://testserver/acme/lab/directory")


def answer_all(client: AcmeClient, order: dict[str, Any], answers: dict[str, str],
               *, wrong: bool = False) -> None:
    """Serve every http-01 key authorization of the order (or a wrong one)."""
    for authz_url in order["authorizations"]:
        authz = client.post(authz_url, None).json()
        chal = next(c for c in authz["challenges"] if c["type"] == "http-01")
        answers[chal["token"]] = ("x" if wrong else chal["token"]) + "." + client.thumbprint()
