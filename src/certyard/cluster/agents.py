"""Agents of the cluster's nodes: enrollment tokens (the seed's CAPF "authentication
string"), enrollment and renewal through the built-in CA, mapping a presented client
certificate to its node, serving the desired state, and status reports with alarms.

An enrolled agent receives its node's private keys, so minting a token and turning open
enrollment on need the key-access privilege (``keys:read``), checked here for every front
end. Tokens are one-time and expiring; only their SHA-256 is stored and compared in constant
time. Open enrollment (the seed's "null string": no token) exists for lab setups, is off by
default (``Setting("agent")["open_enrollment"]``) and is reported wherever status is shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.accounts.roles import require_key_access
from certyard.audit import record_event
from certyard.cluster.desired import desired_state
from certyard.db.models import Node, Setting
from certyard.db.models.agent import AgentCredential, AgentEnrollToken, AgentStatus
from certyard.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from certyard.store import resolve_node
from certyard.x509 import load_csr

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "AgentStatusView", "EnrollResult", "EnrollToken", "agent_settings", "create_enroll_token",
    "enroll_agent", "list_agent_status", "node_for_peer", "renew_agent", "report_status",
    "set_open_enrollment", "sync_state",
]

AGENT_CERT_DAYS = 90
ALARM = "AgentSyncFailed"


@dataclass(frozen=True, kw_only=True)
class EnrollToken:
    node: str
    token: str
    expires_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "token": self.token, "expires_at": self.expires_at}


@dataclass(frozen=True, kw_only=True)
class EnrollResult:
    node: str
    certificate: str
    chain: list[str]
    not_after: str

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "certificate": self.certificate, "chain": self.chain,
                "not_after": self.not_after}


@dataclass(frozen=True, kw_only=True)
class AgentStatusView:
    node: str
    enrolled: bool
    reported_at: str | None
    last_seen_at: str | None
    version: str | None
    current: bool
    ok: bool | None
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agent_settings(s: Session) -> dict[str, Any]:
    row = s.get(Setting, "agent")
    value = {"open_enrollment": False, "cert_days": AGENT_CERT_DAYS}
    if row is not None:
        value.update(row.value or {})
    return value


def set_open_enrollment(ctx: AppContext, enabled: bool) -> dict[str, Any]:
    with ctx.transaction() as s:
        require_key_access(s, ctx, what="changing open enrollment (any host could then "
                                        "enroll as any node and receive its keys)")
        row = s.get(Setting, "agent")
        value = agent_settings(s) | {"open_enrollment": bool(enabled)}
        if row is None:
            s.add(Setting(name="agent", value=value, updated_at=ctx.clock.now()))
        else:
            row.value, row.updated_at = value, ctx.clock.now()
        record_event(s, ctx, action="agent.open_enrollment", target="cluster",
                     details={"enabled": bool(enabled)})
        return value


def create_enroll_token(ctx: AppContext, node: str, *, minutes: int = 60) -> EnrollToken:
    """A one-time token for ``node``, valid ``minutes`` (1..10080). Shown once."""
    if not 1 <= minutes <= 7 * 24 * 60:
        raise InvalidInput("token lifetime must be 1 to 10080 minutes", field="minutes")
    token = secrets.token_urlsafe(32)
    now = ctx.clock.now()
    with ctx.transaction() as s:
        require_key_access(s, ctx, what="an agent enrollment token (the agent receives the "
                                        "node's private keys)")
        n = resolve_node(s, node)
        expires = now + dt.timedelta(minutes=minutes)
        s.add(AgentEnrollToken(node_id=n.id, token_sha256=_hash(token), expires_at=expires,
                               created_at=now, created_by=ctx.actor.name[:64]))
        record_event(s, ctx, action="agent.enroll_token", target=n.name,
                     details={"expires_at": expires.isoformat()})  # never the token
        return EnrollToken(node=n.name, token=token, expires_at=expires.isoformat())


def _consume_token(ctx: AppContext, s: Session, token: str,
                   now: dt.datetime) -> tuple[Node, str]:
    digest = _hash(token or "")
    row = s.scalar(select(AgentEnrollToken).where(AgentEnrollToken.token_sha256 == digest)
                   .with_for_update())
    # Look-up by hash does not leak the token; the compare keeps the check constant-time.
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        raise AuthenticationFailed("enrollment token not recognised")
    if row.used_at is not None:
        raise AuthenticationFailed("enrollment token already used; make a new one with "
                                   "`certyard node enroll-token`")
    if row.expires_at <= now:
        raise AuthenticationFailed("enrollment token expired; make a new one with "
                                   "`certyard node enroll-token`")
    row.used_at = now
    node = s.get(Node, row.node_id)
    assert node is not None
    return node, row.created_by or "unknown"


AGENT_SUBJECT = "CN=certyard-agent"


def _check_agent_csr(csr_pem: bytes) -> None:
    """An agent credential names no host: the CSR must ask for exactly CN=certyard-agent and
    no alternative names, or a token holder could get a CA-signed certificate for any name
    (the node is bound through the AgentCredential row, not the certificate's names)."""
    from certyard.errors import InvalidCSR
    from certyard.x509 import load_csr

    csr = load_csr(csr_pem)
    try:
        csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        pass
    else:
        raise InvalidCSR("an agent CSR must not carry subject alternative names")
    if csr.subject.rfc4514_string() != AGENT_SUBJECT:
        raise InvalidCSR(f"an agent CSR must have the subject {AGENT_SUBJECT}, not "
                         f"{csr.subject.rfc4514_string()[:100]}")


def _issue(ctx: AppContext, node: Node, csr_pem: bytes, *, action: str,
           enrolled_by: str) -> EnrollResult:
    from certyard.ca import export_ca, issue_certificate_for_csr

    _check_agent_csr(csr_pem)
    with ctx.read() as s:
        days = int(agent_settings(s)["cert_days"])
    issued = issue_certificate_for_csr(ctx, csr_pem, profile="client", days=days,
                                       requester=f"agent:{node.name}")
    cert = x509.load_pem_x509_certificate(issued.pem.encode())
    chain_pem = export_ca(ctx, format="pem", chain=True).decode()
    chain = [c + "-----END CERTIFICATE-----\n" for c in chain_pem.split(
        "-----END CERTIFICATE-----") if "BEGIN" in c]
    with ctx.transaction() as s:
        s.add(AgentCredential(node_id=node.id, serial=issued.serial,
                              fingerprint_sha256=hashlib.sha256(
                                  cert.public_bytes(Encoding.DER)).hexdigest(),
                              not_after=cert.not_valid_after_utc, created_at=ctx.clock.now(),
                              enrolled_by=enrolled_by[:64]))
        record_event(s, ctx, action=action, target=node.name,
                     details={"serial": issued.serial, "enrolled_by": enrolled_by})
    return EnrollResult(node=node.name, certificate=issued.pem, chain=[c.strip() + "\n"
                        for c in chain], not_after=cert.not_valid_after_utc.isoformat())


def enroll_agent(ctx: AppContext, *, token: str | None, csr_pem: bytes,
                 node: str | None = None) -> EnrollResult:
    """Exchange a one-time token (or, in open mode only, a node name) and a CSR for an
    agent client certificate from the built-in CA."""
    _check_agent_csr(csr_pem)  # a bad or over-reaching CSR must not use up the token
    now = ctx.clock.now()
    with ctx.transaction() as s:
        if token:
            n, by = _consume_token(ctx, s, token, now)
        else:
            by = "open enrollment"
            if not agent_settings(s)["open_enrollment"]:
                raise AuthenticationFailed("an enrollment token is required (open enrollment "
                                           "is off)")
            if not node:
                raise InvalidInput("open enrollment needs the node name", field="node")
            n = resolve_node(s, node)
    return _issue(ctx, n, csr_pem, action="agent.enroll" if token else "agent.enroll_open",
                  enrolled_by=by)


def _peer_node_id(ctx: AppContext, s: Session, peer_der: bytes | None) -> int:
    """The node id of the agent that presented this client certificate (already
    chain-checked by the TLS layer): a known credential, not expired, not revoked by the CA.
    One query, as it runs on every sync."""
    from certyard.db.models.ca import CaIssued

    if not peer_der:
        raise AuthenticationFailed("a client certificate is required")
    fp = hashlib.sha256(peer_der).hexdigest()
    row = s.execute(select(AgentCredential.node_id, AgentCredential.not_after, CaIssued.status,
                           AgentCredential.revoked_at)
                    .outerjoin(CaIssued, CaIssued.serial == AgentCredential.serial)
                    .where(AgentCredential.fingerprint_sha256 == fp)).first()
    if row is None:
        raise AuthenticationFailed("this client certificate is not an enrolled agent")
    node_id, not_after, status, revoked_at = row
    if not_after <= ctx.clock.now():
        raise AuthenticationFailed("the agent certificate has expired; enroll again")
    if revoked_at is not None:
        raise PermissionDenied("the agent was revoked")
    if status is not None and status != "good":
        raise PermissionDenied(f"the agent certificate is {status}")
    return int(node_id)


def node_for_peer(ctx: AppContext, s: Session, peer_der: bytes | None) -> Node:
    node = s.get(Node, _peer_node_id(ctx, s, peer_der))
    if node is None:
        raise NotFound("node", "of this agent")
    return node


def renew_agent(ctx: AppContext, *, peer_der: bytes, csr_pem: bytes) -> EnrollResult:
    """Renewal with the current agent certificate (the seed: use the LSC, not the MIC)."""
    from certyard.ca import revoke_certificate

    with ctx.read() as s:  # who is asking comes before what they sent
        node = node_for_peer(ctx, s, peer_der)
        old = s.execute(select(AgentCredential.serial, AgentCredential.enrolled_by).where(
            AgentCredential.fingerprint_sha256 == hashlib.sha256(peer_der).hexdigest())).first()
    load_csr(csr_pem)
    result = _issue(ctx, node, csr_pem, action="agent.renew",
                    enrolled_by=(old[1] if old else None) or "unknown")
    if old:  # the old certificate must not stay valid for the rest of its life
        revoke_certificate(ctx, old[0], reason="superseded")
        with ctx.transaction() as s:
            cred = s.scalar(select(AgentCredential).where(AgentCredential.serial == old[0]))
            if cred is not None and cred.revoked_at is None:
                cred.revoked_at, cred.revoked_by = ctx.clock.now(), "renewal"
    return result


def sync_state(ctx: AppContext, *, peer_der: bytes | None,
               known_version: str | None = None) -> tuple[str, dict[str, Any] | None]:
    """(version, state), or (version, None) when the agent already holds that version."""
    with ctx.read() as s:
        state = desired_state(ctx, s, _peer_node_id(ctx, s, peer_der))
    if known_version and hmac.compare_digest(known_version.encode(),
                                             state["version"].encode()):
        return state["version"], None
    return state["version"], state


def report_status(ctx: AppContext, *, peer_der: bytes | None, report: dict[str, Any]) -> None:
    """Record what the agent installed (fingerprints), when, and any failure; a failure
    raises the AgentSyncFailed alarm, a good report clears it."""
    version = str(report.get("version", ""))[:64]
    error = str(report.get("error") or "")[:2000]
    ok = bool(report.get("ok")) and not error
    files = report.get("fingerprints") or {}
    if not isinstance(files, dict):
        raise InvalidInput("fingerprints must be an object", field="fingerprints")
    now = ctx.clock.now()
    with ctx.transaction() as s:
        node = node_for_peer(ctx, s, peer_der)
        row = s.get(AgentStatus, node.id)
        if row is None:
            row = AgentStatus(node_id=node.id)
            s.add(row)
        row.version, row.ok, row.error, row.files = version, ok, error, files
        row.reported_at = row.last_seen_at = now
        if peer_der:
            cred = s.scalar(select(AgentCredential).where(
                AgentCredential.fingerprint_sha256 == hashlib.sha256(peer_der).hexdigest()))
            if cred is not None:
                cred.last_seen_at = now
        _alarm(s, ctx, node.name, ok, error)


def _alarm(s: Session, ctx: AppContext, node: str, ok: bool, error: str) -> None:
    try:
        from certyard.alarms import clear_alarm, raise_alarm
    except ImportError:  # monitoring not installed: the status row still tells
        return
    if ok:
        clear_alarm(s, ctx, name=ALARM, object=node)
    else:
        raise_alarm(s, ctx, name=ALARM, object=node, severity="Error",
                    message=f"agent on {node} failed to apply the desired state: {error}")


def list_agent_status(ctx: AppContext) -> tuple[list[AgentStatusView], bool]:
    """Per node: enrolled, last report, and whether it holds the current desired state;
    plus whether open enrollment is on (to flag it)."""
    out: list[AgentStatusView] = []
    with ctx.read() as s:
        open_mode = bool(agent_settings(s)["open_enrollment"])
        enrolled = set(s.scalars(select(AgentCredential.node_id)))
        for node in s.scalars(select(Node).order_by(Node.is_publisher.desc(), Node.name)):
            row = s.get(AgentStatus, node.id)
            current = False
            if row is not None:
                current = row.ok and row.version == desired_state(ctx, s, node)["version"]
            out.append(AgentStatusView(
                node=node.name, enrolled=node.id in enrolled,
                reported_at=row.reported_at.isoformat() if row else None,
                last_seen_at=row.last_seen_at.isoformat() if row else None,
                version=row.version if row else None, current=current,
                ok=row.ok if row else None, error=row.error if row else ""))
    return out, open_mode
