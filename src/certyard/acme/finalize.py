"""Finalize (RFC 8555 7.4): the CSR must name exactly the order's identifiers; it then goes
through the CA's request queue like any other request, so the CA's key, FIPS and name
policy apply, the request is audited and, when the profile says ``approval: required``,
waits for an administrator. Certificate download with the chain (7.4.2)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.acme.jose import Urls, Verified, b64decode, import_jwk
from certyard.acme.orders import RETRY_PROCESSING, order_body, owned_order, refresh_order
from certyard.acme.problems import AcmeProblem
from certyard.acme.protocol import Reply
from certyard.audit import record_event
from certyard.db.models import Node
from certyard.db.models.acme import AcmeAccount, AcmeOrder, AcmeProfile
from certyard.db.models.ca import CaCertificate, CaIssued
from certyard.errors import (
    CertyardError,
    Conflict,
    ExternalServiceError,
    InvalidFile,
    InvalidInput,
    WeakAlgorithm,
)

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["certificate", "finalize"]


def _csr_names(csr: x509.CertificateSigningRequest) -> set[tuple[str, str]]:
    names: set[tuple[str, str]] = set()
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = x509.SubjectAlternativeName([])
    except ValueError:
        raise AcmeProblem("badCSR", "the CSR's extensions cannot be read") from None
    for n in san:
        if isinstance(n, x509.DNSName):
            names.add(("dns", n.value.lower()))
        elif isinstance(n, x509.IPAddress):
            names.add(("ip", str(n.value)))
        else:
            raise AcmeProblem("badCSR", "the CSR may carry only DNS names and IP addresses")
    for attr in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        cn = str(attr.value).lower()
        try:
            ident = ("ip", str(ipaddress.ip_address(cn)))
        except ValueError:
            ident = ("dns", cn)
        if ident not in names:
            raise AcmeProblem("badCSR", "the CSR's common name is not among its "
                              "subject alternative names")
    return names


def _spki(csr: x509.CertificateSigningRequest) -> bytes | None:
    try:
        return csr.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    except Exception:  # an unreadable key: the CA's checks refuse it later
        return None


def _spki_of_jwk(jwk: dict[str, Any]) -> bytes:
    raw = import_jwk(jwk).raw_value
    return bytes(raw.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def finalize(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified,
             order_rid: str) -> Reply:
    # Locked: two finalize requests at once must not both find it ready.
    o = refresh_order(ctx, s, owned_order(s, v.account, order_rid, lock=True))
    if o.status != "ready":
        raise AcmeProblem("orderNotReady", f"the order is {o.status}, not ready")
    der = b64decode(v.json().get("csr"), "csr")
    try:
        csr = x509.load_der_x509_csr(der)
    except ValueError:
        raise AcmeProblem("badCSR", "the CSR cannot be read (base64url DER expected)") from None
    wanted = {(i["type"], i["value"]) for i in o.identifiers}
    if _csr_names(csr) != wanted:
        raise AcmeProblem("badCSR", "the CSR's names differ from the order's identifiers")
    if _spki(csr) == _spki_of_jwk(v.jwk):  # RFC 8555 11.1
        raise AcmeProblem("badCSR", "the certificate key must not be the account key")
    o.status = "processing"
    o.updated_at = ctx.clock.now()
    s.flush()
    account = s.get(AcmeAccount, o.account_id)
    assert account is not None
    auto = _auto_approved(s, prof, o)
    plan = dict(order_id=o.id, order_rid=o.rid, cert_profile=prof.cert_profile,
                days=prof.days, approve=prof.approval == "none" or auto,
                requester=f"ACME {prof.name} account {account.rid}"[:200],
                decided_by=("ACME: identifiers of known nodes" if auto and
                            prof.approval == "required"
                            else f"ACME profile {prof.name}: no approval required"))

    def _after() -> Reply:
        return _issue(ctx, urls, der, **plan)  # type: ignore[arg-type]

    return Reply(body=None, after=_after)


def _auto_approved(s: Session, prof: AcmeProfile, o: AcmeOrder) -> bool:
    if not prof.auto_approve_nodes:
        return False
    fqdns = {f.lower() for f in s.scalars(select(Node.fqdn))}
    return all(i["type"] == "dns" and i["value"] in fqdns for i in o.identifiers)


def _back_to_ready(ctx: AppContext, order_id: int) -> None:
    with ctx.transaction() as s:
        o = s.get(AcmeOrder, order_id)
        if o is not None and o.status == "processing" and o.request_id is None:
            o.status = "ready"


def _issue(ctx: AppContext, urls: Urls, der: bytes, *, order_id: int, order_rid: str,
           cert_profile: str, days: int, approve: bool, requester: str,
           decided_by: str) -> Reply:
    from certyard import ca

    try:
        view = ca.submit_request(ctx, der, profile=cert_profile, requester=requester)
    except (WeakAlgorithm, InvalidInput, InvalidFile, Conflict) as exc:
        _back_to_ready(ctx, order_id)
        kind = "badPublicKey" if isinstance(exc, WeakAlgorithm) else "badCSR"
        raise AcmeProblem(kind, exc.message) from None
    except CertyardError:
        _back_to_ready(ctx, order_id)
        raise
    with ctx.transaction() as s:
        o = s.get(AcmeOrder, order_id)
        assert o is not None
        o.request_id = view.id
        record_event(s, ctx, action="acme.order.finalize", target=f"acme order {order_rid}",
                     details={"request": view.id, "state": view.state})
    if approve and view.state == "pending":
        try:
            ca.issue_request(ctx, view.id, days=days, decided_by=decided_by)
        except ExternalServiceError:
            pass  # e.g. the CA key's token is away: it waits in the queue, the order with it
        except CertyardError as exc:  # e.g. a FIPS rule: the order ends, saying why
            ca.deny_request(ctx, view.id, reason=f"could not be issued: {exc.message}")
    with ctx.transaction() as s:
        o = s.get(AcmeOrder, order_id)
        assert o is not None
        refresh_order(ctx, s, o)
        return Reply(body=order_body(s, urls, o), location=urls.order(o.rid),
                     retry_after=RETRY_PROCESSING if o.status == "processing" else None)


def requested_days(s: Session, request_id: int) -> int | None:
    """The lifetime an ACME profile asks for its queued request (the CA's hook), so an
    administrator's plain approval issues what the profile says."""
    row = s.execute(select(AcmeProfile.days).join(
        AcmeAccount, AcmeAccount.profile_id == AcmeProfile.id).join(
        AcmeOrder, AcmeOrder.account_id == AcmeAccount.id).where(
        AcmeOrder.request_id == request_id)).first()
    return int(row[0]) if row else None


def _chain(s: Session, issuer_id: int) -> list[x509.Certificate]:
    out: list[x509.Certificate] = []
    row = s.get(CaCertificate, issuer_id)
    while row is not None and len(out) < 8:
        out.append(x509.load_der_x509_certificate(row.der))
        row = s.get(CaCertificate, row.parent_id) if row.parent_id else None
    return out


def certificate(ctx: AppContext, s: Session, prof: AcmeProfile, urls: Urls, v: Verified,
                order_rid: str, alternate: int = 0) -> Reply:
    """The leaf and the issuing chain up to, not including, the root; alternate 1 adds
    the root (for clients that want the whole path)."""
    o = refresh_order(ctx, s, owned_order(s, v.account, order_rid))
    if o.status != "valid" or not o.serial:
        raise AcmeProblem("orderNotReady", f"the order is {o.status}; no certificate yet")
    row = s.scalar(select(CaIssued).where(CaIssued.serial == o.serial))
    if row is None:
        raise AcmeProblem("serverInternal", "the issued certificate is missing")
    chain = _chain(s, row.issuer_id)
    root = chain[-1] if chain and chain[-1].issuer == chain[-1].subject else None
    default = [c for c in chain if c is not root]
    if alternate not in (0, 1) or (alternate == 1 and root is None):
        raise AcmeProblem("malformed", "no such certificate chain")
    certs = default + ([root] if alternate == 1 and root is not None else [])
    pem = x509.load_der_x509_certificate(row.der).public_bytes(Encoding.PEM) + b"".join(
        c.public_bytes(Encoding.PEM) for c in certs)
    links = [(urls.certificate(o.rid, 1 - alternate), "alternate")] if root is not None else []
    return Reply(body=pem, content_type="application/pem-certificate-chain", links=links)
