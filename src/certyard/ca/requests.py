"""The request queue: submit (pending by default), list, show, issue, deny; a node's
store CSR sent to the CA (sign-pending); and direct issuance for internal callers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.ca.authority import add_root_to_trust, ca_certificate, ca_chain, issuing_ca
from certyard.ca.config import load_settings
from certyard.ca.fips import check_csr_fips
from certyard.ca.issue import (
    IssuedView,
    Signer,
    check_csr,
    parse_csr,
    resolve_profile,
    sign_and_store,
    store_issued,
)
from certyard.ca.parallel import default_workers, sign_many
from certyard.ca.profiles import PROFILES, Profile, check_profile_for_caller
from certyard.db.models import Node, StoreEntry
from certyard.db.models.ca import CaIssued, CaRequest
from certyard.errors import (
    CertyardError,
    Conflict,
    Duplicate,
    InvalidInput,
    NotFound,
    PolicyViolation,
)
from certyard.store import fips_enabled, get_purpose, resolve_node, upload_identity_certificate
from certyard.x509 import san_strings

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["RequestView", "deny_request", "issue_certificate_for_csr", "issue_request",
           "list_issued", "list_requests", "show_request", "sign_pending", "sign_pending_entry",
           "submit_request", "usable_profiles"]

STATES = ("pending", "issued", "denied")

# Rooms that queue requests on someone's behalf (ACME) may say which validity a request
# asks for; an approval without --days issues that. Each hook: (session, request id) ->
# days or None.
REQUEST_DAYS_HOOKS: list[Callable[[Session, int], int | None]] = []


@dataclass(frozen=True, kw_only=True)
class RequestView:
    id: int
    state: str
    subject: str
    sans: list[str]
    key: str
    profile: str
    requester: str
    submitted_at: str
    purpose: str | None
    node: str | None
    decided_at: str | None
    decided_by: str | None
    reason: str | None
    serial: str | None
    pem: str = ""  # the issued certificate (public), once the request was issued
    installed_on: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _view(s: Session, r: CaRequest, **extra: Any) -> RequestView:
    node = s.get(Node, r.node_id).name if r.node_id else None  # type: ignore[union-attr]
    return RequestView(
        id=r.id, state=r.state, subject=r.subject, sans=list(r.sans),
        key=f"{r.key_type}-{r.key_size}", profile=r.profile, requester=r.requester,
        submitted_at=r.created_at.isoformat(), purpose=r.purpose, node=node,
        decided_at=r.decided_at.isoformat() if r.decided_at else None,
        decided_by=r.decided_by, reason=r.reason, serial=r.serial, **extra)


def _requester(ctx: AppContext, requester: str | None) -> str:
    return (requester or ctx.actor.name)[:200]


def _chain_pem(s: Session, leaf_der: bytes) -> bytes:
    """Leaf plus the CA path (the intermediate, and the root) as PEM."""
    out = x509.load_der_x509_certificate(leaf_der).public_bytes(Encoding.PEM)
    for row in ca_chain(s):
        out += ca_certificate(row).public_bytes(Encoding.PEM)
    return out


def submit_request(
    ctx: AppContext, csr_data: bytes | x509.CertificateSigningRequest, *,
    profile: str | None = None, requester: str | None = None,
    purpose: str | None = None, node: str | None = None, caller: str = "host",
) -> RequestView:
    """Queue a CSR as *pending*. Every check that issuance would make is made now, so a
    request that waits is one that can be issued. When auto-approval is on and a cluster
    node asks for only its own FQDN, it is issued at once. ``caller="remote"`` (API, web)
    may ask only for end-entity profiles."""
    csr = parse_csr(csr_data, ctx.settings.max_upload_bytes)
    prof = resolve_profile(profile, caller)
    check_profile_for_caller(prof, caller)  # "remote": API and web, end-entity only
    now = ctx.clock.now()
    try:
        with ctx.transaction() as s:
            issuing_ca(s)  # no CA, no queue
            settings = load_settings(s)
            checked = check_csr(csr, prof, settings)
            if fips_enabled(s):
                check_csr_fips(csr)  # refused now rather than left pending
            node_row = resolve_node(s, node) if node is not None or purpose else None
            if s.scalar(select(CaRequest.id).where(
                    CaRequest.pending_key == checked.public_sha256)) is not None:
                raise Duplicate("a request for this key is already pending")
            req = CaRequest(
                state="pending", pending_key=checked.public_sha256,
                csr_der=csr.public_bytes(Encoding.DER),
                subject=checked.subject.rfc4514_string(), sans=san_strings(checked.sans),
                key_type=checked.key_type, key_size=checked.key_size,
                public_sha256=checked.public_sha256, profile=prof.name,
                requester=_requester(ctx, requester), purpose=purpose,
                node_id=node_row.id if node_row else None, created_at=now)
            s.add(req)
            s.flush()
            record_event(s, ctx, action="ca.request.submit", target=f"request {req.id}",
                         details={"subject": req.subject, "sans": req.sans,
                                  "profile": prof.name})
            auto = (settings.auto_approve_nodes and node_row is not None
                    and bool(checked.sans)
                    and all(n == f"DNS:{node_row.fqdn}" for n in req.sans))
            rid = req.id
            view = _view(s, req)
    except IntegrityError:
        raise Duplicate("a request for this key is already pending") from None
    if auto:
        return issue_request(ctx, rid, decided_by="auto-approval (node's own FQDN)")
    return view


def list_requests(
    ctx: AppContext, *, state: str | None = None, limit: int = 1000,
) -> list[RequestView]:
    if state is not None and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}", field="state")
    with ctx.read() as s:
        q = select(CaRequest).order_by(CaRequest.id.desc()).limit(limit)
        if state:
            q = q.where(CaRequest.state == state)
        return [_view(s, r) for r in s.scalars(q)]


def _get(s: Session, request_id: int, *, lock: bool = False) -> CaRequest:
    q = select(CaRequest).where(CaRequest.id == request_id)
    row = s.scalar(q.with_for_update() if lock else q)
    if row is None:
        raise NotFound("request", request_id)
    return row


def show_request(ctx: AppContext, request_id: int) -> RequestView:
    """One request; once issued, with its certificate's PEM (certificates are public)."""
    with ctx.read() as s:
        req = _get(s, request_id)
        pem = ""
        if req.serial:
            der = s.scalar(select(CaIssued.der).where(CaIssued.serial == req.serial))
            if der is not None:
                pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM).decode()
        return _view(s, req, pem=pem)


def issue_request(
    ctx: AppContext, request_id: int, *, profile: str | None = None, days: int | None = None,
    decided_by: str | None = None, caller: str = "host",
) -> RequestView:
    """Approve a pending request: sign it, and when it came from a node's CSR install it
    there as if uploaded (the root is in PURPOSE-trust; the chain includes the
    intermediate). ``caller="remote"`` (API, web) may ask only for end-entity profiles.
    Issuing and installing are one unit of work: a certificate the store refuses is never
    recorded as issued."""
    if profile is not None:
        check_profile_for_caller(resolve_profile(profile, caller), caller)
    with ctx.unit_of_work() as uow:
        return _issue_request(uow, request_id, profile=profile, days=days,
                              decided_by=decided_by)


def _issue_request(
    ctx: AppContext, request_id: int, *, profile: str | None, days: int | None,
    decided_by: str | None,
) -> RequestView:
    now = ctx.clock.now()
    with ctx.transaction() as s:
        req = _get(s, request_id, lock=True)
        if req.state != "pending":
            raise Conflict(f"request {request_id} is {req.state}, not pending")
        prof = resolve_profile(profile or req.profile)
        settings = load_settings(s)
        for hook in REQUEST_DAYS_HOOKS if days is None else ():
            days = hook(s, req.id)
            if days is not None:
                break
        csr = x509.load_der_x509_csr(req.csr_der)
        checked = check_csr(csr, prof, settings)  # the policy may have changed meanwhile
        if req.purpose and req.node_id:
            _check_installable(csr, prof)
        row = sign_and_store(ctx, s, checked, profile=prof, days=days, request_id=req.id,
                             now=now, settings=settings)
        req.state, req.pending_key, req.serial = "issued", None, row.serial
        req.profile = prof.name
        req.decided_at, req.decided_by = now, (decided_by or ctx.actor.name)[:200]
        s.flush()
        record_event(s, ctx, action="ca.request.issue", target=f"request {req.id}",
                     details={"serial": row.serial, "profile": prof.name,
                              "subject": row.subject})
        chain = _chain_pem(s, row.der)
        purpose = req.purpose
        node = s.get(Node, req.node_id).name if req.node_id else None  # type: ignore[union-attr]
        pem = x509.load_der_x509_certificate(row.der).public_bytes(Encoding.PEM).decode()
        view = _view(s, req, pem=pem)
    if purpose and node:
        result = upload_identity_certificate(ctx, purpose, chain, node=node,
                                             description="Issued by the certyard CA",
                                             chain_description="Issuing certificate of "
                                                               "the built-in certyard CA")
        view = RequestView(**{**view.__dict__, "installed_on": result.nodes})
    return view


def _check_installable(csr: x509.CertificateSigningRequest, prof: Any) -> None:
    """A node's request is installed after issuance, and the store refuses a certificate
    without the extended key usage its CSR asked for (seed 003). Refuse the profile before
    anything is signed, so no certificate exists that was never installed."""
    try:
        asked = list(csr.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return
    missing = [oid for oid in asked if oid not in prof.eku]
    if missing:
        names = ", ".join(_EKU_LABELS.get(o.dotted_string, o.dotted_string) for o in missing)
        raise PolicyViolation(f"the {prof.name} profile leaves out what the node's CSR asks "
                              f"for ({names}); the certificate could not be installed. Use "
                              "the server-client profile", rule="usage_mismatch",
                              value=names, field="profile")


_EKU_LABELS = {"1.3.6.1.5.5.7.3.1": "TLS Web Server Authentication",
               "1.3.6.1.5.5.7.3.2": "TLS Web Client Authentication"}


def usable_profiles(ctx: AppContext, request_id: int, *,
                    caller: str = "host") -> tuple[list[Profile], str]:
    """The profiles a pending request can be issued with by ``caller``, the requested one
    first, and when none can, why not. A request for a sub-CA or OCSP-signer certificate
    is issued as asked or not at all (never swapped for a leaf profile), and only by the
    host administrator (``check_profile_for_caller``); a leaf request never gets one of
    those (choosing a CA profile for a leaf is never a click away), nor does a node's
    request. Each profile must pass the checks issuance makes: key, names, and the
    extended key usage a node's CSR asks for."""
    with ctx.read() as s:
        req = _get(s, request_id)
        settings = load_settings(s)
    csr = x509.load_der_x509_csr(req.csr_der)
    requested = PROFILES.get(req.profile)
    if requested is not None and (requested.ca or requested.ocsp_nocheck):
        candidates = [requested] if req.node_id is None else []
    else:
        candidates = sorted((p for p in PROFILES.values() if not (p.ca or p.ocsp_nocheck)),
                            key=lambda p: p.name != req.profile)
    usable: list[Profile] = []
    why = ""
    for prof in candidates:
        try:
            check_profile_for_caller(prof, caller)
            check_csr(csr, prof, settings)
            if req.purpose and req.node_id:
                _check_installable(csr, prof)
        except CertyardError as exc:
            why = why or exc.message
            continue
        usable.append(prof)
    return usable, ("" if usable else why or "no profile fits this request")


def deny_request(ctx: AppContext, request_id: int, *, reason: str) -> RequestView:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("a reason is required to deny a request", field="reason")
    now = ctx.clock.now()
    with ctx.transaction() as s:
        req = _get(s, request_id, lock=True)
        if req.state != "pending":
            raise Conflict(f"request {request_id} is {req.state}, not pending")
        req.state, req.pending_key, req.reason = "denied", None, reason[:500]
        req.decided_at, req.decided_by = now, ctx.actor.name[:200]
        s.flush()
        record_event(s, ctx, action="ca.request.deny", target=f"request {req.id}",
                     details={"reason": req.reason})
        return _view(s, req)


def sign_pending_entry(ctx: AppContext, entry_id: int) -> RequestView:
    """Send the CSR a user is looking at (a store entry of type CSR) to the built-in CA:
    the same as :func:`sign_pending` for its purpose and node."""
    with ctx.read() as s:
        entry = s.get(StoreEntry, entry_id)
        if entry is None or entry.type != "csr":
            raise NotFound("CSR", entry_id)
        node = s.get(Node, entry.node_id) if entry.node_id else None
        purpose, node_name = entry.purpose, node.name if node else None
    return sign_pending(ctx, purpose, node=node_name)


def sign_pending(
    ctx: AppContext, purpose: str, *, node: str | None = None, profile: str | None = None,
    approve: bool = False, days: int | None = None,
) -> RequestView:
    """Send a node's pending store CSR for PURPOSE to the built-in CA. It waits pending
    (unless ``approve``); issuing it installs the certificate on the node(s). With
    ``approve`` the request, the issuance and the installation commit once, or not at all."""
    with ctx.unit_of_work() as uow:
        return _sign_pending(uow, purpose, node=node, profile=profile, approve=approve,
                             days=days)


def _sign_pending(
    ctx: AppContext, purpose: str, *, node: str | None, profile: str | None, approve: bool,
    days: int | None,
) -> RequestView:
    now = ctx.clock.now()
    with ctx.transaction() as s:
        spec = get_purpose(s, purpose)
        n = resolve_node(s, node)
        entry = s.scalar(select(StoreEntry).where(
            StoreEntry.type == "csr", StoreEntry.purpose == spec.name,
            StoreEntry.node_id == n.id))
        if entry is None:
            raise NotFound("CSR", f"for {spec.name} on {n.name} (run `certyard csr generate "
                           f"{spec.name}` first)")
        csr = x509.load_der_x509_csr(entry.der)
        # Installing needs our root in PURPOSE-trust; it is our own CA, so put it there.
        root = ca_certificate(ca_chain(s)[-1])
        add_root_to_trust(s, root, [spec.name], now)
        node_name = n.name
    view = submit_request(ctx, csr, profile=profile, purpose=spec.name, node=node_name,
                          requester=f"{ctx.actor.name} for {spec.name} on {node_name}")
    if approve and view.state == "pending":
        view = issue_request(ctx, view.id, days=days)
    return view


def issue_certificate_for_csr(
    ctx: AppContext, csr: bytes | x509.CertificateSigningRequest, *, profile: str = "client",
    days: int | None = None, requester: str | None = None,
) -> IssuedView:
    """Issue at once, bypassing the pending queue: for internal callers (agent client
    certificates). The request is recorded as issued, for the record."""
    return issue_certificates_for_csrs(ctx, [csr], profile=profile, days=days,
                                       requester=requester)[0]


def issue_certificates_for_csrs(
    ctx: AppContext, csrs: list[bytes | x509.CertificateSigningRequest], *, profile: str = "client",
    days: int | None = None, requester: str | None = None, workers: int | None = None,
) -> list[IssuedView]:
    """Many CSRs in one transaction (one audit record): bulk enrolment and benchmarks.
    Large batches are signed on every core (``workers``; default: by batch size)."""
    prof = resolve_profile(profile)
    parsed = [parse_csr(c, ctx.settings.max_upload_bytes) for c in csrs]
    now = ctx.clock.now()
    who = _requester(ctx, requester)
    with ctx.transaction() as s:
        signer = Signer(ctx, s)
        n = default_workers(len(parsed)) if workers is None else workers
        values = sign_many(signer, parsed, profile=prof, days=days, now=now, workers=n)
        store_issued(s, values)
        record_event(s, ctx, action="ca.issue_direct", target=who,
                     details={"profile": prof.name, "count": len(values),
                              "serials": [v["serial"] for v in values[:50]]})
    return [IssuedView.of(SimpleNamespace(**v, revocation_reason=None, revoked_at=None))
            for v in values]


def list_issued(
    ctx: AppContext, *, status: str | None = None, limit: int = 1000, with_pem: bool = False,
) -> list[IssuedView]:
    if status is not None and status not in ("good", "revoked", "hold"):
        raise InvalidInput("status must be good, revoked or hold", field="status")
    with ctx.read() as s:
        q = select(CaIssued).order_by(CaIssued.id.desc()).limit(limit)
        if status:
            q = q.where(CaIssued.status == status)
        return [IssuedView.of(r, with_pem=with_pem) for r in s.scalars(q)]


def show_issued(ctx: AppContext, serial: str) -> IssuedView:
    from certyard.ca.crl import parse_serial

    key = parse_serial(serial)
    with ctx.read() as s:
        row = s.scalar(select(CaIssued).where(CaIssued.serial == key))
        if row is None:
            raise NotFound("certificate with serial", key)
        return IssuedView.of(row)
