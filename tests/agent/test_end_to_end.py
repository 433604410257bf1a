"""The server and three agents on loopback, each agent in its own home: enrollment, sync of
trust / multi-server / single-server certificates, reloads only on change, server outage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from certyard.agent.client import enroll, load_config, run_loop, sync_once
from certyard.cluster.agents import create_enroll_token, list_agent_status
from certyard.errors import AuthenticationFailed, ExternalServiceError
from certyard.store import (
    generate_csr,
    generate_self_signed,
    upload_identity_certificate,
    upload_trust_certificates,
)
from certyard.x509 import load_csr
from tests.support.pki import make_ca, pem, sign_leaf

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane

NODES = ("pub", "sub1", "sub2")


def _enroll_all(ctx, srv, tmp_path: Path) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    homes = {}
    for n in NODES:
        home = tmp_path / f"agent-{n}"
        tok = create_enroll_token(ctx, n).token
        log = home / "reloads.log"
        info = enroll(home, server=srv.url, token=tok, insecure_tofu=True, reload={
            "web server": f"echo web >> {log}", "IPsec": f"echo ipsec >> {log}"},
            shred_passes=1)
        assert info["node"] == n
        homes[n] = home
    return homes


def _reloads(home: Path) -> list[str]:
    log = home / "reloads.log"
    return log.read_text().split() if log.exists() else []


def test_three_agents_sync(agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx, srv = agent_server.ctx, agent_server
    homes = _enroll_all(ctx, srv, tmp_path)
    for home in homes.values():
        r = sync_once(load_config(home))
        assert r.status == "applied" and not r.errors, r
        assert (home / "files/keys/tomcat.key").stat().st_mode & 0o777 == 0o600
    assert all(s.current for s in list_agent_status(ctx)[0])
    for home in homes.values():
        assert sync_once(load_config(home)).status == "unchanged"

    # A trust certificate: every agent has the file after one sync.
    root, root_key = make_ca("E2E Root")
    upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    before = {n: _reloads(h) for n, h in homes.items()}
    for home in homes.values():
        assert sync_once(load_config(home)).status == "applied"
        assert list((home / "files/trust-certs/tomcat").glob("E2E_Root_*.pem"))
        assert b"BEGIN CERTIFICATE" in (home / "files/bundles/tomcat-trust.pem").read_bytes()
    for n, h in homes.items():  # only the tomcat services reloaded
        assert _reloads(h)[len(before[n]):] == ["web"]

    # Single-server: only its node gets the new certificate. (Its self-signed certificate
    # also enters ipsec-trust on every node, so IPsec reloads everywhere; web never does.)
    generate_self_signed(ctx, "ipsec", node="sub1")
    before = {n: _reloads(h) for n, h in homes.items()}
    results = {n: sync_once(load_config(h)) for n, h in homes.items()}
    assert "certs/ipsec.pem" in results["sub1"].changed
    assert "ipsec" in _reloads(homes["sub1"])[len(before["sub1"]):]
    for n in ("pub", "sub2"):
        assert "certs/ipsec.pem" not in results[n].changed
        assert _reloads(homes[n])[len(before[n]):] == ["ipsec"]
    assert _reloads(homes["sub1"])[len(before["sub1"]):] == ["ipsec"]

    # Multi-server: the same certificate and key on every node.
    generate_csr(ctx, "tomcat", distribution="multi-server")
    for home in homes.values():
        sync_once(load_config(home))
    csr = load_csr((homes["sub2"] / "files/certs/tomcat.csr").read_bytes())
    leaf = sign_leaf(csr, root, root_key, cn="cluster.example.com")
    upload_identity_certificate(ctx, "tomcat", leaf.public_bytes(Encoding.PEM))
    for home in homes.values():
        sync_once(load_config(home))
    certs = {(h / "files/certs/tomcat.pem").read_bytes() for h in homes.values()}
    keys = {(h / "files/keys/tomcat.key").read_bytes() for h in homes.values()}
    assert certs == {leaf.public_bytes(Encoding.PEM)} and len(keys) == 1

    # Server stopped: agents keep their files, then recover.
    snapshot = {n: sorted(p.read_bytes() for p in (h / "files").rglob("*.pem"))
                for n, h in homes.items()}
    srv.stop()
    errors: list[object] = []
    sleeps: list[float] = []
    calls = iter(range(4))
    run_loop(load_config(homes["sub1"]), sleep=sleeps.append, on_result=errors.append,
             should_stop=lambda: next(calls, None) is None)
    assert len(errors) == 4 and all(isinstance(e, ExternalServiceError) for e in errors)
    assert sleeps[0] < sleeps[-1] <= 8 * 1.2  # exponential backoff
    for n, h in homes.items():
        assert sorted(p.read_bytes() for p in (h / "files").rglob("*.pem")) == snapshot[n]
    upload_trust_certificates(ctx, "ipsec-trust", pem(make_ca("After Outage")[0]))
    srv.start()
    for home in homes.values():
        assert sync_once(load_config(home)).status == "applied"
        assert list((home / "files/trust-certs/ipsec").glob("After_Outage_*.pem"))


def test_tokens_expired_reused_and_open_mode(agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx, srv = agent_server.ctx, agent_server
    tok = create_enroll_token(ctx, "sub1", minutes=5).token
    enroll(tmp_path / "a", server=srv.url, insecure_tofu=True, token=tok)
    with pytest.raises(AuthenticationFailed, match="already used"):
        enroll(tmp_path / "b", server=srv.url, insecure_tofu=True, token=tok)
    old = create_enroll_token(ctx, "sub2", minutes=5).token
    ctx.clock.advance(dt.timedelta(minutes=6))  # type: ignore[attr-defined]
    with pytest.raises(AuthenticationFailed, match="expired"):
        enroll(tmp_path / "c", server=srv.url, insecure_tofu=True, token=old)
    with pytest.raises(AuthenticationFailed, match="not recognised"):
        enroll(tmp_path / "d", server=srv.url, insecure_tofu=True, token="guess" * 8)
    with pytest.raises(AuthenticationFailed, match="token is required"):
        enroll(tmp_path / "e", server=srv.url, insecure_tofu=True, token=None, node="sub2")
    assert not (tmp_path / "c" / "identity").exists()


def test_state_requires_enrolled_client_certificate(agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import httpx

    r = httpx.get(f"{agent_server.url}/agent/v1/state", verify=False)
    assert r.status_code == 401
