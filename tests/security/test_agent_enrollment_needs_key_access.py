"""Finding 1: no role below one that holds key access (``keys:read``) can obtain a private
key by enrolling an agent: minting a token, opening enrollment and taking a backup need
the privilege, for every front end; enrollment is audited and enrolled agents are listed
and revocable, and a revoked agent can neither fetch its node's state nor renew."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard import accounts, cluster
from certyard.backup import create_backup
from certyard.context import Actor
from certyard.db.models.audit import AuditEvent
from certyard.errors import PermissionDenied
from certyard.x509 import build_csr, generate_private_key
from tests.security.conftest import sign_in


@pytest.fixture
def backend() -> str:
    return "sqlite"  # authorization and key access do not depend on the storage backend


def _agent_csr() -> bytes:
    key = generate_private_key("EC", 256)
    return build_csr(key, common_name="certyard-agent", sans=[],
                     hash_name="SHA256").public_bytes(Encoding.PEM)


def _as(ctx, role: str, name: str = "someone"):  # type: ignore[no-untyped-def]
    return ctx.acting_as(Actor(name=name, source="test", role=role))


ROLES_WITHOUT_KEYS = [r for r, p in accounts.BUILTIN_ROLES.items() if "keys:read" not in p]


def test_only_the_system_administrator_holds_key_access_by_default() -> None:
    holders = [r for r, p in accounts.BUILTIN_ROLES.items() if "keys:read" in p]
    assert holders == ["System Administrator"]


def test_certificate_administrator_cannot_mint_enrollment_token_by_any_front_end(
        harness_ca) -> None:  # type: ignore[no-untyped-def]
    h = harness_ca
    # Web form, with a real signed-in session and its CSRF token.
    csrf = sign_in(h.client, "certadm")
    r = h.client.post("/nodes/agents/token", data={"node": "pub", "minutes": "60",
                                                   "csrf_token": csrf})
    assert r.status_code == 403
    # API.
    r = h.client.post("/api/v1/agents/enroll-token", json={"node": "pub"},
                      headers=h.as_role("Certificate Administrator"))
    assert r.status_code == 403
    r = h.client.put("/api/v1/agents/open-enrollment", json={"enabled": True},
                     headers=h.as_role("Certificate Administrator"))
    assert r.status_code == 403
    # The service layer itself, whatever calls it.
    for role in ROLES_WITHOUT_KEYS:
        with pytest.raises(PermissionDenied, match="keys:read"):
            cluster.create_enroll_token(_as(h.ctx, role), "pub")
        with pytest.raises(PermissionDenied, match="keys:read"):
            cluster.set_open_enrollment(_as(h.ctx, role), True)
    # Nothing was minted.
    assert not [e for e in _events(h.ctx) if e.action == "agent.enroll_token"]


def test_backup_needs_key_access(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="keys:read"):
        create_backup(_as(ctx, "Certificate Administrator"), tmp_path / "b.cybk",
                      password="Backup-Pass-1234")
    assert not (tmp_path / "b.cybk").exists()


def test_custom_role_with_key_access_can_mint(harness_ca) -> None:  # type: ignore[no-untyped-def]
    h = harness_ca
    accounts.create_role(h.ctx, "Node Enroller", privileges=["nodes:read", "keys:read"])
    tok = cluster.create_enroll_token(_as(h.ctx, "Node Enroller", "enroller"), "pub")
    assert tok.token


def _events(ctx):  # type: ignore[no-untyped-def]
    with ctx.read() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_enrolled_agent_is_audited_listed_and_revocable(harness_ca) -> None:  # type: ignore[no-untyped-def]
    h = harness_ca
    r = h.client.post("/api/v1/agents/enroll-token", json={"node": "pub", "minutes": 5},
                      headers=h.as_role("System Administrator"))
    assert r.status_code == 201, r.text
    res = cluster.enroll_agent(h.ctx, token=r.json()["token"], csr_pem=_agent_csr())
    der = x509.load_pem_x509_certificate(res.certificate.encode()).public_bytes(Encoding.DER)
    serial = format(x509.load_pem_x509_certificate(res.certificate.encode()).serial_number, "x")
    version, state = cluster.sync_state(h.ctx, peer_der=der)
    assert state is not None
    cluster.report_status(h.ctx, peer_der=der, report={"version": version, "ok": True})

    enrolled = [e for e in _events(h.ctx) if e.action == "agent.enroll"]
    assert enrolled and enrolled[-1].details["enrolled_by"] == "sysadm"

    # Listed with node, serial, who and when, last seen — by any role that reads nodes.
    r = h.client.get("/api/v1/agents", headers=h.as_role("Read-only"))
    assert r.status_code == 200
    (agent,) = r.json()["agents"]
    assert agent["node"] == "pub" and agent["serial"] == serial
    assert agent["enrolled_by"] == "sysadm" and agent["last_seen_at"] is not None
    page = h.client.get("/nodes/agents", headers=h.as_role("Read-only"))
    assert serial in page.text

    # Revoked (a role without key access may revoke: it only takes access away).
    r = h.client.post("/api/v1/agents/revoke", json={"serial": serial},
                      headers=h.as_role("Certificate Administrator"))
    assert r.status_code == 200, r.text
    assert r.json()["revoked"][0]["state"] == "revoked"
    # Revoked at the CA, so neither state nor renewal.
    from certyard.ca import show_issued

    assert show_issued(h.ctx, serial).status == "revoked"
    with pytest.raises(PermissionDenied):
        cluster.sync_state(h.ctx, peer_der=der)
    from certyard.cluster.agents import renew_agent

    with pytest.raises(PermissionDenied):
        renew_agent(h.ctx, peer_der=der, csr_pem=_agent_csr())
    assert h.client.get("/api/v1/agents", headers=h.as_role("Read-only")).json()["agents"] \
        == []
    assert [e for e in _events(h.ctx) if e.action == "agent.revoke"]


def test_agent_list_and_revoke_on_the_cli(cli, env) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("ca", "init").code == 0
    from certyard.config import Settings
    from certyard.context import open_context

    c = open_context(Settings.from_env(env))
    try:
        tok = cluster.create_enroll_token(c, "pub")
        res = cluster.enroll_agent(c, token=tok.token, csr_pem=_agent_csr())
    finally:
        c.engine.dispose()
    serial = format(x509.load_pem_x509_certificate(res.certificate.encode()).serial_number, "x")
    out = cli("agent", "list", "--json")
    assert out.code == 0, out.stderr
    assert '"serial": "' + serial + '"' in out.stdout
    out = cli("agent", "revoke", serial)
    assert out.code == 0, out.stderr
    assert cli("agent", "list", "--json").stdout.count(serial) == 0
    again = cli("agent", "revoke", serial)
    assert again.code != 0 and "already revoked" in again.stderr
