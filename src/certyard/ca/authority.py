"""Setting up the CA (new or imported), finding the active issuer, exporting it.

A CA key is reached only through its ``Signer`` (``ca.signing``): a key sealed under the
master key, or a key in a PKCS#11 token (``pkcs11=TokenRef``: generated there by ``init``,
found there by ``import``). Opened signers are cached per process (keyed by the sealed
row) so that issuing and OCSP signing do not decrypt or log in on every call.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.ca.build import Urls, build_ca_certificate
from certyard.ca.config import load_settings, update_settings
from certyard.ca.fips import check_ca, check_init_choice, check_token_rule
from certyard.ca.signing import (
    Pkcs11Signer,
    SealedFileSigner,
    Signer,
    TokenRef,
    generate_token_key,
    open_signer,
    seal_token_ref,
)
from certyard.db.models import Purpose, StoreEntry
from certyard.db.models.ca import CaCertificate
from certyard.errors import (
    Conflict,
    InvalidFile,
    InvalidInput,
    KeyMismatch,
    NotFound,
    NotInitialised,
)
from certyard.store import fips_enabled, seal_private_key
from certyard.store.writes import put_entry
from certyard.x509 import (
    certificate_facts,
    fingerprint,
    generate_private_key,
    load_certificates,
    load_private_key,
    public_sha256,
    random_serial,
)

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["CA_KEY_SIZES", "CaInfo", "ca_chain", "ca_key_size_help", "export_ca", "import_ca",
           "init_ca", "issuing_ca", "open_ca_key"]

_KEYS: dict[tuple[int, str], Signer] = {}
_CERTS: dict[tuple[int, str], x509.Certificate] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class CaInfo:
    created: bool
    root: dict[str, Any]
    issuing: dict[str, Any]
    trust_stores: list[str] = field(default_factory=list)
    base_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"created": self.created, "root": self.root, "issuing": self.issuing,
                "trust_stores": self.trust_stores, "base_url": self.base_url}


def _describe(row: CaCertificate) -> dict[str, Any]:
    return {"id": row.id, "role": row.role, "subject": row.subject, "serial": row.serial,
            "not_after": row.not_after.isoformat(), "fingerprint_sha256":
            row.fingerprint_sha256}


def issuer_certificate_der(ctx: AppContext, ca_id: int) -> bytes:
    """The AIA caIssuers answer: CA ``ca_id``'s certificate, DER (RFC 5280 4.2.2.1)."""
    with ctx.read() as s:
        row = s.get(CaCertificate, ca_id)
        if row is None:
            raise NotFound("CA", ca_id)
        return ca_certificate(row).public_bytes(Encoding.DER)


def ca_certificate(row: CaCertificate) -> x509.Certificate:
    cache_key = (row.id, row.fingerprint_sha256)
    cert = _CERTS.get(cache_key)
    if cert is None:
        cert = x509.load_der_x509_certificate(row.der)
        _CERTS[cache_key] = cert
    return cert


def open_ca_key(ctx: AppContext, s: Session, row: CaCertificate) -> Signer:
    """The signer of a CA (or OCSP responder) row: the only way to its key."""
    if row.private_key_id is None:
        raise NotInitialised(f"the CA '{row.subject}' has no private key here")
    cache_key = (row.private_key_id, row.fingerprint_sha256)
    signer = _KEYS.get(cache_key)
    if signer is None:
        from certyard.db.models import PrivateKey

        with _LOCK:
            sealed = s.get(PrivateKey, row.private_key_id)
            if sealed is None:
                raise NotInitialised(f"the key of CA '{row.subject}' is missing")
            signer = open_signer(ctx.master_key, sealed, ca_certificate(row).public_key())
            _KEYS[cache_key] = signer
    if isinstance(signer, Pkcs11Signer):
        from certyard.ca.signing.watch import watch

        watch(signer, ctx, row.subject)
    return signer


def issuing_ca(s: Session) -> CaCertificate:
    row = s.scalar(select(CaCertificate).where(
        CaCertificate.active.is_(True), CaCertificate.role.in_(("issuing", "root+issuing"))))
    if row is None:
        raise NotInitialised("the certificate authority is not set up; run `certyard ca init`")
    return row


def ca_chain(s: Session) -> list[CaCertificate]:
    """Issuing CA first, then its parents up to the root."""
    row: CaCertificate | None = issuing_ca(s)
    chain: list[CaCertificate] = []
    while row is not None and len(chain) < 8:
        chain.append(row)
        row = s.get(CaCertificate, row.parent_id) if row.parent_id else None
    return chain


def _purposes(s: Session, wanted: list[str] | None) -> list[str]:
    known = list(s.scalars(select(Purpose.name).order_by(Purpose.name)))
    if not known:
        raise NotInitialised("the cluster is not initialised; run `certyard init` first")
    if not wanted:
        return known
    bad = [p for p in wanted if p not in known]
    if bad:
        raise InvalidInput(f"unknown purpose {', '.join(bad)} (known: {', '.join(known)})",
                           field="purpose")
    return list(dict.fromkeys(wanted))


def add_root_to_trust(
    s: Session, root: x509.Certificate, purposes: list[str], now: Any
) -> list[str]:
    facts = certificate_facts(root)
    added = []
    for p in purposes:
        have = s.scalar(select(StoreEntry.id).where(
            StoreEntry.type == "trust", StoreEntry.purpose == p,
            StoreEntry.fingerprint_sha256 == facts.fingerprint_sha256))
        if have is None:
            put_entry(s, type="trust", purpose=p, node_id=None, distribution="all",
                      facts=facts, now=now, description="certyard built-in CA root")
            added.append(f"{p}-trust")
    return added


def _store_ca(s: Session, ctx: AppContext, cert: x509.Certificate, *, role: str,
              key: Signer | None, parent_id: int | None, now: dt.datetime) -> CaCertificate:
    key_id = None
    if isinstance(key, Pkcs11Signer):
        key_id = seal_token_ref(s, ctx.master_key, key.ref, key.public_key(), now=now).id
    elif key is not None and key.private_key is not None:
        key_id = seal_private_key(s, ctx.master_key, key.private_key, now=now).id
    row = CaCertificate(
        role=role, active=True, parent_id=parent_id, subject=cert.subject.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        fingerprint_sha256=fingerprint(cert.public_bytes(Encoding.DER)),
        not_after=cert.not_valid_after_utc, der=cert.public_bytes(Encoding.DER),
        private_key_id=key_id, crl_number=0, created_at=now)
    s.add(row)
    s.flush()
    return row


def _refuse_if_set_up(s: Session) -> None:
    if s.scalar(select(CaCertificate.id).where(CaCertificate.active.is_(True))) is not None:
        raise Conflict("the certificate authority is already set up")


# The CA key choices of `ca init` (file key or token alike), the one list its help, its
# check and the README state; each is FIPS-approved (ca.fips: RSA >= 2048, NIST curves).
CA_KEY_SIZES: dict[str, tuple[int, ...]] = {"RSA": (2048, 3072, 4096), "EC": (256, 384)}
CA_DEFAULT_KEY_SIZE = {"RSA": 3072, "EC": 384}


def ca_key_size_help() -> str:
    """The ``--key-size`` help of ``ca init``, from CA_KEY_SIZES."""
    return ", ".join(f"{t} {'/'.join(map(str, sizes))} (default {CA_DEFAULT_KEY_SIZE[t]})"
                     for t, sizes in CA_KEY_SIZES.items()) + \
        "; every choice is FIPS-approved, so FIPS mode accepts the same."


def init_ca(
    ctx: AppContext, *, common_name: str | None = None, organization: str | None = None,
    key_type: str = "EC", key_size: int | None = None, root_days: int = 7300,
    intermediate_days: int = 3650, intermediate: bool = True,
    purposes: list[str] | None = None, pkcs11: TokenRef | None = None,
) -> CaInfo:
    """A new root CA and, by default, an issuing intermediate under it. The root joins the
    trust store of every purpose it will sign for (all purposes unless named). With
    ``pkcs11`` both keys are generated in that token, labelled ``<key_label>-root`` and
    ``<key_label>-issuing`` (just ``<key_label>`` for a lone root)."""
    key_type = (key_type or "").upper()
    choices = "; ".join(f"{t} {'/'.join(map(str, v))}" for t, v in CA_KEY_SIZES.items())
    if key_size is not None:
        with ctx.read() as s:
            if fips_enabled(s):  # say why in FIPS terms before the generic size check
                check_init_choice(key_type, key_size, choices=choices)
    if key_type not in CA_KEY_SIZES:
        raise InvalidInput(f"CA key type must be RSA or EC, not {key_type[:20]!r}",
                           field="key_type")
    key_size = key_size or CA_DEFAULT_KEY_SIZE[key_type]
    if key_size not in CA_KEY_SIZES[key_type]:
        raise InvalidInput(f"{key_type} CA key size must be one of "
                           f"{'/'.join(map(str, CA_KEY_SIZES[key_type]))}, not {key_size}",
                           field="key_size")
    if not 365 <= root_days <= 36500 or not 30 <= intermediate_days <= root_days:
        raise InvalidInput("root validity 365..36500 days; intermediate 30 days up to the "
                           "root's", field="days")
    with ctx.read() as s:
        _refuse_if_set_up(s)
        _purposes(s, purposes)
        check_token_rule(s, pkcs11 is not None)
    root_key, issuing_key = _new_keys(pkcs11, key_type, key_size, intermediate)
    now = ctx.clock.now()
    with ctx.transaction() as s:
        _refuse_if_set_up(s)
        wanted = _purposes(s, purposes)
        settings = load_settings(s)
        org = organization or "certyard"
        cn = common_name or f"{org} Root CA"
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        start = now - dt.timedelta(minutes=5)
        root = build_ca_certificate(
            subject=name, public_key=root_key.public_key(), issuer=None, signer=root_key,
            serial=random_serial(), not_before=start,
            not_after=now + dt.timedelta(days=root_days), path_length=None, urls=None)
        root_row = _store_ca(s, ctx, root, role="root" if intermediate else "root+issuing",
                             key=root_key, parent_id=None, now=now)
        issuing_row = root_row
        if issuing_key is not None:
            iname = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                               x509.NameAttribute(NameOID.COMMON_NAME,
                                                  cn.replace("Root", "Issuing")
                                                  if "Root" in cn else f"{cn} Issuing")])
            inter = build_ca_certificate(
                subject=iname, public_key=issuing_key.public_key(), issuer=root,
                signer=root_key, serial=random_serial(), not_before=start,
                not_after=now + dt.timedelta(days=intermediate_days), path_length=0,
                urls=Urls(settings.url, root_row.id))
            issuing_row = _store_ca(s, ctx, inter, role="issuing", key=issuing_key,
                                    parent_id=root_row.id, now=now)
        added = add_root_to_trust(s, root, wanted, now)
        update_settings(s, now=now, purposes=wanted)
        from certyard.ca.crl import regenerate_crl

        for row in {root_row.id: root_row, issuing_row.id: issuing_row}.values():
            regenerate_crl(ctx, s, row, now=now)
        record_event(s, ctx, action="ca.init", target=root_row.subject,
                     details={"key": f"{key_type}-{key_size}", "intermediate": intermediate,
                              "root": root_row.fingerprint_sha256, "trust_stores": added,
                              "key_location": root_key.location.to_dict()})
        return CaInfo(created=True, root=_describe(root_row), issuing=_describe(issuing_row),
                      trust_stores=added, base_url=settings.url)


def import_ca(
    ctx: AppContext, cert_data: bytes, key_data: bytes | None, *, chain_data: bytes | None = None,
    password: bytes | None = None, purposes: list[str] | None = None,
    pkcs11: TokenRef | None = None,
) -> CaInfo:
    """Bring an existing CA: its certificate and key (PEM/DER; or, with ``pkcs11``, the
    key's place in a token, proven by a test signature), and, when it is not a root,
    the chain up to its root (which then joins the trust stores)."""
    limit = ctx.settings.max_upload_bytes
    certs = load_certificates(cert_data, limit=limit)
    key: Signer
    if pkcs11 is not None:
        from certyard.ca.keys import token_signer_for

        with ctx.read() as s:
            check_token_rule(s, True)
        cert, key = token_signer_for(pkcs11, certs)
    else:
        if key_data is None:
            raise InvalidInput("the CA private key is required (or --pkcs11)", field="key")
        opened = load_private_key(key_data, password=password)
        match = next((c for c in certs if public_sha256(c.public_key())
                      == public_sha256(opened.public_key())), None)
        if match is None:
            raise KeyMismatch("the key does not belong to the CA certificate")
        cert, key = match, SealedFileSigner(opened)
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = bc.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise InvalidFile("the certificate is not a CA certificate (basicConstraints cA=FALSE)")
    now = ctx.clock.now()
    if cert.not_valid_after_utc <= now:
        raise InvalidFile("the CA certificate has expired")
    others = [c for c in certs if c is not cert]
    if chain_data:
        others += load_certificates(chain_data, limit=limit)
    self_signed = cert.issuer == cert.subject
    parents: list[x509.Certificate] = []
    current = cert
    while current.issuer != current.subject:
        parent = next((c for c in others if c.subject == current.issuer), None)
        if parent is None:
            raise InvalidFile(f"the chain does not reach a root: the issuer "
                              f"'{current.issuer.rfc4514_string()}' is missing (--chain)")
        try:
            current.verify_directly_issued_by(parent)
        except Exception:
            raise InvalidFile("the chain does not verify: "
                              f"'{current.subject.rfc4514_string()}'") from None
        parents.append(parent)
        current = parent
        if len(parents) > 6:
            raise InvalidFile("the chain is too long")
    with ctx.transaction() as s:
        _refuse_if_set_up(s)
        check_token_rule(s, pkcs11 is not None)
        if fips_enabled(s):
            for c in [cert, *parents]:
                check_ca(c)
        wanted = _purposes(s, purposes)
        parent_id = None
        for p in reversed(parents):
            prow = _store_ca(s, ctx, p, role="root" if p.issuer == p.subject else "parent",
                             key=None, parent_id=parent_id, now=now)
            parent_id = prow.id
        row = _store_ca(s, ctx, cert, role="root+issuing" if self_signed else "issuing",
                        key=key, parent_id=parent_id, now=now)
        root = parents[-1] if parents else cert
        added = add_root_to_trust(s, root, wanted, now)
        update_settings(s, now=now, purposes=wanted)
        from certyard.ca.crl import regenerate_crl

        regenerate_crl(ctx, s, row, now=now)
        record_event(s, ctx, action="ca.import", target=row.subject,
                     details={"fingerprint": row.fingerprint_sha256, "trust_stores": added,
                              "key_location": key.location.to_dict()})
        root_row = row if not parents else s.get(CaCertificate, row.parent_id)
        while root_row is not None and root_row.parent_id:
            root_row = s.get(CaCertificate, root_row.parent_id)
        return CaInfo(created=True, root=_describe(root_row or row), issuing=_describe(row),
                      trust_stores=added, base_url=load_settings(s).url)


def _new_keys(ref: TokenRef | None, key_type: str, key_size: int,
              intermediate: bool) -> tuple[Signer, Signer | None]:
    """The root's and the issuing CA's signers, with fresh keys in the token or in memory
    (sealed when stored)."""
    if ref is None:
        root = SealedFileSigner(generate_private_key(key_type, key_size))
        return root, (SealedFileSigner(generate_private_key(key_type, key_size))
                      if intermediate else None)
    from dataclasses import replace

    base = ref.key_label or "certyard-ca"
    out: list[Signer] = []
    for suffix in (("-root", "-issuing") if intermediate else ("",)):
        r = replace(ref, key_label=base + suffix, key_id=secrets.token_hex(8))
        out.append(Pkcs11Signer(r, generate_token_key(r, key_type=key_type,
                                                      key_size=key_size)))
    return out[0], out[1] if intermediate else None


def export_ca(ctx: AppContext, *, format: str = "pem", chain: bool = False) -> bytes:
    """The issuing CA certificate, or with ``chain`` the whole path to the root (p7b is
    always the whole path: the seed's "Install This CA Certification Path")."""
    if format not in ("pem", "der", "p7b"):
        raise InvalidInput("format must be pem, der or p7b", field="format")
    with ctx.read() as s:
        rows = ca_chain(s)
        certs = [ca_certificate(r) for r in rows]
    if format == "p7b":
        return pkcs7.serialize_certificates(certs, Encoding.DER)
    if not chain:
        certs = certs[:1]
    if format == "der":
        if len(certs) > 1:
            raise InvalidInput("DER holds one certificate; use --format p7b or pem for the "
                               "chain", field="format")
        return certs[0].public_bytes(Encoding.DER)
    return b"".join(c.public_bytes(Encoding.PEM) for c in certs)
