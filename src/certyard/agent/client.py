"""The node agent's side of the protocol: enrollment, one sync, the run loop with backoff.

Agent home (``--home`` / CERTYARD_AGENT_HOME)::

    agent.json               server URL, output directory, reload commands, shredding passes
    identity/key.pem         the agent's client key (0600, never leaves the node)
    identity/cert.pem        its client certificate from the built-in CA
    identity/ca.pem          the pinned CA chain: the server must chain to it
    trustlist.pin.json       the pinned signed trust list state (see certyard.cluster.jws)

The state served over mutual TLS must agree with the signed trust list: every trust
certificate in it must be a ``trust:`` record of a list the agent accepted, so whoever
controls the sync channel alone cannot add a trust anchor. Nothing is written unless the
whole state was received and checked; if the server is unreachable the files stay as they
are and the loop retries with exponential backoff.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding

from certyard.agent.apply import MANIFEST, apply_state, planned_files
from certyard.cluster.jws import TrustListRejected, accept_list
from certyard.errors import (
    AuthenticationFailed,
    CertyardError,
    ExternalServiceError,
    InvalidInput,
    NotInitialised,
)
from certyard.hostutil.files import atomic_write, check_shred_passes, shred_file
from certyard.x509 import build_csr, generate_private_key

__all__ = ["AgentConfig", "SyncResult", "enroll", "load_config", "run_loop", "sync_once"]


@dataclass(frozen=True, kw_only=True)
class AgentConfig:
    home: Path
    server: str
    output: Path
    reload: dict[str, str] = field(default_factory=dict)
    shred_passes: int = 3
    interval: float = 60.0
    timeout: float = 15.0

    def to_dict(self) -> dict[str, Any]:
        return {"server": self.server, "output": str(self.output), "reload": self.reload,
                "shred_passes": self.shred_passes, "interval": self.interval}


@dataclass(frozen=True, kw_only=True)
class SyncResult:
    status: str  # unchanged | applied | failed
    version: str
    changed: list[str] = field(default_factory=list)
    reloaded: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    trust_list_version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def load_config(home: Path) -> AgentConfig:
    path = Path(home) / "agent.json"
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise NotInitialised(f"no agent configuration in {home}; run `certyard agent enroll` "
                             "first") from None
    except ValueError:
        raise InvalidInput(f"{path} is not valid JSON", field="config") from None
    reload = raw.get("reload") or {}
    if not isinstance(reload, dict) or not all(isinstance(v, str) for v in reload.values()):
        raise InvalidInput("reload must map service names to commands", field="reload")
    return AgentConfig(home=Path(home), server=str(raw["server"]).rstrip("/"),
                       output=Path(raw.get("output") or Path(home) / "files"), reload=reload,
                       shred_passes=check_shred_passes(int(raw.get("shred_passes", 3))),
                       interval=float(raw.get("interval", 60)))


def save_config(cfg: AgentConfig) -> None:
    atomic_write(cfg.home / "agent.json", json.dumps(cfg.to_dict(), indent=1).encode(),
                 mode=0o600)


def _tls(home: Path, *, client: bool = True) -> ssl.SSLContext:
    ident = home / "identity"
    sc = ssl.create_default_context(cafile=str(ident / "ca.pem"))
    if client:
        sc.load_cert_chain(ident / "cert.pem", ident / "key.pem")
    return sc


def _request(method: str, url: str, *, verify: Any, timeout: float, **kw: Any) -> httpx.Response:
    try:
        with httpx.Client(verify=verify, timeout=timeout) as c:
            r = c.request(method, url, **kw)
    except (httpx.TransportError, ssl.SSLError, OSError) as exc:
        raise ExternalServiceError(f"agent server {url} unreachable: "
                                   f"{type(exc).__name__}: {exc}".splitlines()[0]) from None
    if r.status_code >= 400:
        try:
            msg = r.json()["error"]["message"]
        except Exception:
            msg = r.text[:200]
        if r.status_code in (401, 403):
            raise AuthenticationFailed(f"agent server refused: {msg}")
        raise ExternalServiceError(f"agent server error {r.status_code}: {msg}")
    return r


def enroll(home: Path, *, server: str, token: str | None, node: str | None = None,
           ca_file: Path | None = None, ca_fingerprint: str | None = None,
           output: Path | None = None, reload: dict[str, str] | None = None,
           shred_passes: int = 3, timeout: float = 15.0,
           insecure_tofu: bool = False) -> dict[str, Any]:
    """Create the agent key, exchange the token for a client certificate and pin the CA.

    With ``ca_file`` the server is verified from the first byte; otherwise the CA chain the
    server returns is trusted on first use (optionally checked against ``ca_fingerprint``,
    the SHA-256 of the root) and the server's certificate is then verified against it.
    Without either, only ``insecure_tofu`` lets the token go over an unverified connection."""
    if not ca_file and not ca_fingerprint and not insecure_tofu:
        raise InvalidInput(
            "give --ca-file or --ca-fingerprint so the server is verified before the "
            "enrollment token is sent; --insecure-tofu sends it over an unverified "
            "connection (a man in the middle could take the token, enroll as this node "
            "and have this agent pin and obey its own CA)", field="ca_file")
    home = Path(home)
    server = server.rstrip("/")
    check_shred_passes(shred_passes)
    key = generate_private_key("EC", 256)
    csr = build_csr(key, common_name="certyard-agent", sans=[], hash_name="SHA256")
    verify: Any = ssl.create_default_context(cafile=str(ca_file)) if ca_file else False
    if verify is False and ca_fingerprint:
        # Check the pin before the token leaves: fetch the public CA chain, compare its root
        # with the fingerprint, and send the token only over TLS verified with that chain.
        got = _request("GET", f"{server}/agent/v1/ca", verify=False, timeout=timeout)
        pinned = got.json()["chain"]
        pinned_root = x509.load_pem_x509_certificates(pinned.encode())[-1]
        if (ca_fingerprint.replace(":", "").lower()
                != hashlib.sha256(pinned_root.public_bytes(Encoding.DER)).hexdigest()):
            raise AuthenticationFailed("the server's CA does not match --ca-fingerprint")
        verify = ssl.create_default_context(cadata=pinned)
    r = _request("POST", f"{server}/agent/v1/enroll", verify=verify, timeout=timeout,
                 json={"token": token, "node": node,
                       "csr": csr.public_bytes(Encoding.PEM).decode()})
    body = r.json()
    chain = "".join(body["chain"])
    root = x509.load_pem_x509_certificates(chain.encode())[-1]
    root_fp = hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest()
    if ca_fingerprint and ca_fingerprint.replace(":", "").lower() != root_fp:
        raise AuthenticationFailed("the server's CA does not match --ca-fingerprint")
    ident = home / "identity"
    atomic_write(ident / "key.pem", key.private_bytes(
        Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        mode=0o600)
    atomic_write(ident / "cert.pem", body["certificate"].encode())
    atomic_write(ident / "ca.pem", (ca_file.read_bytes() if ca_file else chain.encode()))
    cfg = AgentConfig(home=home, server=server, output=Path(output or home / "files"),
                      reload=dict(reload or {}), shred_passes=shred_passes)
    save_config(cfg)
    # The pinned CA must now authenticate the server (a TOFU mistake shows here).
    _request("GET", f"{server}/agent/v1/trustlist", verify=_tls(home), timeout=timeout)
    return {"node": body["node"], "not_after": body["not_after"], "ca_sha256": root_fp,
            "home": str(home)}


def _maybe_renew(cfg: AgentConfig, now: dt.datetime) -> bool:
    """Renew with the current certificate once two thirds of its life have passed."""
    ident = cfg.home / "identity"
    cert = x509.load_pem_x509_certificate((ident / "cert.pem").read_bytes())
    life = cert.not_valid_after_utc - cert.not_valid_before_utc
    if now < cert.not_valid_before_utc + life * 2 / 3:
        return False
    key = generate_private_key("EC", 256)
    csr = build_csr(key, common_name="certyard-agent", sans=[], hash_name="SHA256")
    r = _request("POST", f"{cfg.server}/agent/v1/renew", verify=_tls(cfg.home),
                 timeout=cfg.timeout, json={"csr": csr.public_bytes(Encoding.PEM).decode()})
    atomic_write(ident / "key.pem.new", key.private_bytes(
        Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        mode=0o600)
    old = ident / ".key.pem.old"
    old.unlink(missing_ok=True)
    os.link(ident / "key.pem", old)  # the old key's bytes, shredded once replaced
    atomic_write(ident / "cert.pem", r.json()["certificate"].encode())
    (ident / "key.pem.new").replace(ident / "key.pem")
    shred_file(old, passes=cfg.shred_passes)
    return True


def _applied_version(cfg: AgentConfig) -> str | None:
    try:
        return json.loads((cfg.output / MANIFEST).read_text()).get("version") or None
    except (OSError, ValueError):
        return None


def _fetch_trust_list(cfg: AgentConfig, sc: ssl.SSLContext) -> tuple[int, set[str]]:
    pin = cfg.home / "trustlist.pin.json"
    after = 0
    if pin.exists():
        try:
            after = int(json.loads(pin.read_text())["version"])
        except (ValueError, KeyError):
            after = 0
    r = _request("GET", f"{cfg.server}/agent/v1/trustlist", params={"after": after},
                 verify=sc, timeout=cfg.timeout)
    lists = r.json()["lists"]
    vl = None
    for text in lists:
        vl, _ = accept_list(text.encode(), pin)
    if vl is None:
        raise TrustListRejected("the server sent no trust list", reason="format")
    atomic_write(cfg.home / "trustlist.jws", lists[-1].encode())
    trusted = {f"{r['role']}|{r['fingerprint']}" for r in vl.records}
    return vl.version, trusted


def sync_once(cfg: AgentConfig, *, now: dt.datetime | None = None) -> SyncResult:
    """One sync: renew if due, pull the state (unless unchanged), check it against the
    signed trust list, apply it, report. Raises ExternalServiceError when unreachable."""
    now = now or dt.datetime.now(dt.timezone.utc)
    _maybe_renew(cfg, now)
    sc = _tls(cfg.home)
    known = _applied_version(cfg)
    headers = {"If-None-Match": f'"{known}"'} if known else {}
    r = _request("GET", f"{cfg.server}/agent/v1/state", verify=sc, timeout=cfg.timeout,
                 headers=headers)
    if r.status_code == 304:
        return SyncResult(status="unchanged", version=known or "")
    state = r.json()
    errors: list[str] = []
    tl_version = None
    try:
        tl_version, trusted = _fetch_trust_list(cfg, sc)
        missing = [f"{store}/{c['file']}" for store, certs in state.get("trust", {}).items()
                   for c in certs if f"trust:{store}|{c['fingerprint']}" not in trusted]
        if missing:
            raise TrustListRejected(f"{len(missing)} trust certificate(s) are not in the "
                                    f"signed trust list: {', '.join(missing[:3])}",
                                    reason="mismatch")
    except CertyardError as exc:
        if isinstance(exc, ExternalServiceError):
            raise
        errors.append(exc.message)
    if not errors:
        try:
            planned_files(state)  # every name the server sent is checked before any write
        except CertyardError as exc:
            errors.append(exc.message)
    if errors:  # keep the last good state
        _report(cfg, sc, version=known or "", ok=False, error="; ".join(errors), fps={})
        return SyncResult(status="failed", version=known or "", errors=errors,
                          trust_list_version=tl_version)
    res = apply_state(cfg.output, state, reload_commands=cfg.reload,
                      shred_passes=cfg.shred_passes, now=now.isoformat())
    _report(cfg, sc, version=res.version, ok=not res.errors, error="; ".join(res.errors),
            fps=res.fingerprints)
    return SyncResult(status="applied", version=res.version, changed=res.changed,
                      reloaded=res.reloaded, errors=res.errors, trust_list_version=tl_version)


def _report(cfg: AgentConfig, sc: ssl.SSLContext, *, version: str, ok: bool, error: str,
            fps: dict[str, str]) -> None:
    _request("POST", f"{cfg.server}/agent/v1/report", verify=sc, timeout=cfg.timeout,
             json={"version": version, "ok": ok, "error": error[:4000], "fingerprints": fps})


def run_loop(cfg: AgentConfig, *, once: bool = False, max_backoff: float = 300.0,
             sleep: Callable[[float], None] = time.sleep,
             should_stop: Callable[[], bool] = lambda: False,
             on_result: Callable[[SyncResult | CertyardError], None] | None = None) -> None:
    """Sync every ``interval`` seconds; after a failure wait 1, 2, 4 ... ``max_backoff``
    seconds (with jitter). Files already in place are never touched by a failed sync."""
    failures = 0
    while not should_stop():
        try:
            result: SyncResult | CertyardError = sync_once(cfg)
            failures = 0 if not result.errors else failures + 1  # type: ignore[union-attr]
        except CertyardError as exc:
            result = exc
            failures += 1
        if on_result is not None:
            on_result(result)
        if once:
            return
        delay = cfg.interval if failures == 0 else min(max_backoff, 2.0 ** (failures - 1))
        jitter = 0.8 + 0.4 * random.random()  # noqa: S311 (spreads retries, not a secret)
        sleep(delay * jitter if failures else delay)
