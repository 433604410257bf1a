"""Agent certificate renewal with the current certificate, revocation, sync-failure alarms,
and the refusal of a state that the signed trust list does not back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certyard import ca
from certyard.agent.client import enroll, load_config, save_config, sync_once
from certyard.alarms import list_alarms
from certyard.cluster.agents import create_enroll_token
from certyard.errors import AuthenticationFailed, PermissionDenied


def _agent(srv, tmp_path: Path, node: str = "sub1", **kw) -> Path:  # type: ignore[no-untyped-def]
    home = tmp_path / f"agent-{node}"
    kw.setdefault("insecure_tofu", "ca_file" not in kw and "ca_fingerprint" not in kw)
    enroll(home, server=srv.url, token=create_enroll_token(srv.ctx, node).token, **kw)
    return home


def _serial(home: Path) -> str:
    cert = x509.load_pem_x509_certificate((home / "identity/cert.pem").read_bytes())
    return format(cert.serial_number, "x")


def test_renewal_uses_current_certificate(agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = _agent(agent_server, tmp_path)
    old = (home / "identity/cert.pem").read_bytes()
    cfg = load_config(home)
    assert sync_once(cfg).status == "applied"
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=70)  # past 2/3 of 90 days
    assert sync_once(cfg, now=later).status == "unchanged"
    assert (home / "identity/cert.pem").read_bytes() != old
    assert (home / "identity/key.pem").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (home / "identity").iterdir()) == ["ca.pem", "cert.pem",
                                                                     "key.pem"]
    assert sync_once(cfg).status == "unchanged"  # the new certificate works


def test_ca_fingerprint_mismatch_refused(agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tok = create_enroll_token(agent_server.ctx, "sub2").token
    with pytest.raises(AuthenticationFailed, match="--ca-fingerprint"):
        enroll(tmp_path / "a", server=agent_server.url, token=tok, ca_fingerprint="ab" * 32)
    assert not (tmp_path / "a" / "identity").exists()
    # The pin is checked before the token is sent: the token is still unused, and the
    # right fingerprint enrolls with it over TLS verified against the pinned chain.
    root = x509.load_pem_x509_certificates(ca.export_ca(agent_server.ctx, format="pem",
                                                        chain=True))[-1]
    fp = hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest()
    info = enroll(tmp_path / "b", server=agent_server.url, token=tok, ca_fingerprint=fp)
    assert info["ca_sha256"] == fp


def test_revoked_agent_is_refused(agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = _agent(agent_server, tmp_path)
    ca.revoke_certificate(agent_server.ctx, _serial(home), reason="keyCompromise")
    with pytest.raises((PermissionDenied, AuthenticationFailed), match="revoked"):
        sync_once(load_config(home))


def test_failed_reload_raises_and_clears_alarm(agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = agent_server.ctx
    home = _agent(agent_server, tmp_path, reload={"web server": "exit 4"})
    r = sync_once(load_config(home))
    assert r.errors and "exit 4" in r.errors[0]
    alarms = list_alarms(ctx, active_only=True, name="AgentSyncFailed")
    assert [a.object for a in alarms] == ["sub1"]
    cfg = load_config(home)
    save_config(cfg.__class__(**{**cfg.__dict__, "reload": {"web server": "true"}}))
    (home / "files/.certyard-state.json").unlink()  # force a full re-apply
    r = sync_once(load_config(home))
    assert not r.errors
    assert list_alarms(ctx, active_only=True, name="AgentSyncFailed") == []


def test_state_not_backed_by_trust_list_keeps_old_files(agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = _agent(agent_server, tmp_path)
    cfg = load_config(home)
    sync_once(cfg)
    before = sorted(p.name for p in (home / "files").rglob("*.pem"))
    # Pin a foreign signer: the server's lists no longer verify for this agent.
    pin = home / "trustlist.pin.json"
    data = json.loads(pin.read_text())
    pin.write_text(json.dumps({**data, "signers": ["00" * 32]}))
    from certyard.store import upload_trust_certificates
    from tests.support.pki import make_ca, pem
    upload_trust_certificates(agent_server.ctx, "tomcat-trust", pem(make_ca("Late Root")[0]))
    r = sync_once(cfg)
    assert r.status == "failed" and "pinned list does not name" in r.errors[0]
    assert sorted(p.name for p in (home / "files").rglob("*.pem")) == before
    assert list_alarms(agent_server.ctx, active_only=True, name="AgentSyncFailed")
