"""Submit and issue in one call: a request recorded, signed and stored at once.

For an API client whose role may both submit (``ca:create``) and issue (``ca:execute``): the
same checks as the pending queue (CSR signature, key strength, subject, names against the
profile and the name policy, FIPS), one request row (state ``issued``), one certificate row
and one audit record per certificate. The writes go through the engine's group commit
(``ca/group_commit.py``), so concurrent calls share a transaction and an fsync, and each
returns only once its certificate is durable.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from certyard.audit import record_events
from certyard.ca import batch_state
from certyard.ca.authority import ca_certificate, ca_chain
from certyard.ca.config import load_settings
from certyard.ca.group_commit import group_commit_for
from certyard.ca.issue import Signer, check_csr, parse_csr, resolve_profile
from certyard.ca.profiles import Profile, check_profile_for_caller
from certyard.db.ids import reserve_ids
from certyard.db.models.ca import CaIssued, CaRequest
from certyard.errors import InvalidInput, PermissionDenied

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["IssuedNow", "submit_and_issue", "submit_and_issue_async"]


@dataclass(frozen=True, kw_only=True)
class IssuedNow:
    request_id: int
    serial: str
    subject: str
    sans: list[str]
    profile: str
    not_before: str
    not_after: str
    pem: str
    chain_pem: str  # the issuing CA's path (intermediate, root), PEM

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_REQUIRED = ("ca:create", "ca:execute")


def _prepare(ctx: AppContext, csr_data: bytes | x509.CertificateSigningRequest,
             profile: str | None, days: int | None, privileges: frozenset[str] | None,
             caller: str) -> tuple[x509.CertificateSigningRequest, Profile]:
    if privileges is not None:
        missing = [p for p in _REQUIRED if p not in privileges]
        if missing:
            raise PermissionDenied(f"your role ({ctx.actor.role}) does not allow submitting "
                                   f"and issuing in one call ({', '.join(missing)})")
    prof = resolve_profile(profile, caller)
    check_profile_for_caller(prof, caller)  # "remote" (API): end-entity profiles only
    if days is not None and not 1 <= days <= prof.max_days:
        raise InvalidInput(f"validity for the {prof.name} profile is 1 to {prof.max_days} "
                           "days", field="days")
    # The CPU work that needs no database (parsing, the CSR's own signature) is done by the
    # caller, outside the shared transaction.
    return parse_csr(csr_data, ctx.settings.max_upload_bytes), prof


class _Batch:
    """What every unit of one group-commit transaction shares: the opened CA key, the
    settings and the chain. Kept between transactions by ``ca/batch_state.py`` (read again
    at once after a change in this process, within a second after one elsewhere)."""

    def __init__(self, ctx: AppContext, s: Session) -> None:
        self.signer = Signer(ctx, s, load_settings(s))
        # Kept beyond this session: the row must not expire with its rollback or close.
        s.expunge(self.signer.ca)
        fp = self.signer.ca.fingerprint_sha256
        chain = _CHAINS.get(fp)
        if chain is None:  # a CA's path never changes: its certificates are fixed
            chain = _CHAINS[fp] = "".join(ca_certificate(r).public_bytes(Encoding.PEM)
                                          .decode() for r in ca_chain(s))
        self.chain = chain


_CHAINS: dict[str, str] = {}


@dataclass(frozen=True)
class _Prepared:
    ctx: AppContext
    request: dict[str, Any]
    issued: dict[str, Any]
    chain: str


def _prepare_unit(ctx: AppContext, csr: x509.CertificateSigningRequest, prof: Profile,
                  days: int | None, requester: str | None) -> Callable[[Session], _Prepared]:
    """Checks and signing, in the shared transaction but writing nothing."""
    def prepare(s: Session) -> _Prepared:
        batch = batch_state.shared(ctx.engine, lambda: _Batch(ctx, s))
        now: dt.datetime = ctx.clock.now()
        checked = check_csr(csr, prof, batch.signer.settings)
        values = batch.signer.sign(checked, profile=prof, days=days, request_id=None,
                                   now=now)
        request = dict(
            state="issued", pending_key=None, csr_der=csr.public_bytes(Encoding.DER),
            subject=values["subject"], sans=values["sans"],
            key_type=checked.key_type, key_size=checked.key_size,
            public_sha256=checked.public_sha256, profile=prof.name,
            requester=(requester or ctx.actor.name)[:200], purpose=None, node_id=None,
            created_at=now, decided_at=now, decided_by=ctx.actor.name[:200], reason=None,
            serial=values["serial"])
        return _Prepared(ctx=ctx, request=request, issued=values, chain=batch.chain)
    return prepare


def _write(s: Session, units: list[_Prepared]) -> list[tuple[dict[str, Any], bytes]]:
    """Every unit of the batch: one INSERT of the requests, one of the certificates, one
    audit append (a record per certificate)."""
    # Core inserts of the tables (no ORM objects, no unit of work), one executemany each,
    # with the request ids taken first (db.ids: the writers' lock is held, see
    # group_commit).
    requests, issued = cast(Table, CaRequest.__table__), cast(Table, CaIssued.__table__)
    ids = reserve_ids(s, requests, len(units))
    s.execute(insert(requests), [{**u.request, "id": rid} for u, rid in zip(units, ids,
                                                                          strict=True)])
    rows = [{**u.issued, "request_id": rid} for u, rid in zip(units, ids, strict=True)]
    s.execute(insert(issued), rows)
    record_events(s, [(u.ctx, {"action": "ca.request.issue", "target": f"request {rid}",
                               "details": {"serial": v["serial"], "profile": v["profile"],
                                           "subject": v["subject"], "submitted": True}})
                      for u, rid, v in zip(units, ids, rows, strict=True)])
    return [(dict(request_id=rid, serial=v["serial"], subject=v["subject"], sans=v["sans"],
                  profile=v["profile"], not_before=v["not_before"].isoformat(),
                  not_after=v["not_after"].isoformat(), chain_pem=u.chain), v["der"])
            for u, rid, v in zip(units, ids, rows, strict=True)]


def _pem(der: bytes) -> str:
    """RFC 7468 PEM of a DER certificate the CA just signed (no need to parse it again)."""
    b64 = base64.b64encode(der).decode()
    lines = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"


def _finish(out: tuple[dict[str, Any], bytes]) -> IssuedNow:
    """The PEM is made outside the shared transaction, by the caller."""
    fields, der = out
    return IssuedNow(**fields, pem=_pem(der))


def submit_and_issue(ctx: AppContext, csr_data: bytes | x509.CertificateSigningRequest, *,
                     profile: str | None = None, days: int | None = None,
                     requester: str | None = None,
                     privileges: frozenset[str] | None = None,
                     caller: str = "host") -> IssuedNow:
    """Record, sign and store a certificate for ``csr_data``; returns once it is durable.
    ``privileges`` (the caller's, when a delivery layer knows them) must hold both
    ``ca:create`` and ``ca:execute``; ``caller="remote"`` (API) may ask only for
    end-entity profiles."""
    csr, prof = _prepare(ctx, csr_data, profile, days, privileges, caller)
    view = group_commit_for(ctx.engine).run(_prepare_unit(ctx, csr, prof, days, requester),
                                            _write)
    return _finish(view)


async def submit_and_issue_async(ctx: AppContext, csr_data: bytes, *, profile: str | None = None,
                                 days: int | None = None,
                                 privileges: frozenset[str] | None = None,
                                 caller: str = "remote") -> IssuedNow:
    """The same from the event loop (the API): the caller waits for its commit without a
    thread."""
    csr, prof = _prepare(ctx, csr_data, profile, days, privileges, caller)
    view = await group_commit_for(ctx.engine).run_async(
        _prepare_unit(ctx, csr, prof, days, None), _write)
    return _finish(view)
