"""Building an in-process HTTPS app with one user (and API token) per built-in role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from certyard import accounts, cluster
from certyard.server import create_app

PASSWORD = "Sturdy-Pass-42"
ROLE_USERS = {
    "System Administrator": "sysadm",
    "Certificate Administrator": "certadm",
    "Help Desk Administrator": "helpdesk",
    "User Administrator": "useradm",
    "Audit Administrator": "auditor",
    "Read-only": "viewer",
}


@dataclass
class Harness:
    ctx: object
    client: TestClient
    tokens: dict[str, str]  # role -> bearer token

    def as_role(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_harness(ctx: object, *, with_ca: bool = False) -> Harness:
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    if with_ca:
        from certyard import ca

        ca.init_ca(ctx)
    tokens = {}
    for role, name in ROLE_USERS.items():
        accounts.create_user(ctx, name, role=role, password=PASSWORD,
                             must_change_password=False)
        tokens[role] = accounts.create_token(ctx, name, name="test")[1]
    client = TestClient(create_app(ctx), base_url="https://testserver",
                        raise_server_exceptions=False)
    return Harness(ctx=ctx, client=client, tokens=tokens)


def sign_in(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token of the new session."""
    r = client.post("/login", data={"username": user, "password": password, "next": "/",
                                    "csrf_token": login_token(client)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/account")
    import re

    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def login_token(client: TestClient) -> str:
    import re

    page = client.get("/login")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


ISSUE_URL = "/api/v1/ca/issued"


def csr_pem(cn: str) -> str:
    """A fresh EC CSR for ``cn``, PEM text (as an API client sends it)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from tests.ca.helpers import make_csr

    return make_csr(cn)[1].public_bytes(Encoding.PEM).decode()


def stored_certificates(ctx: Any) -> int:
    from sqlalchemy import func, select

    from certyard.db.models.ca import CaIssued

    with ctx.read() as s:
        return int(s.scalar(select(func.count()).select_from(CaIssued)) or 0)
