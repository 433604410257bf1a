"""Issuing: CSR checks, the name policy, signing and storing a certificate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import insert
from sqlalchemy.orm import Session

from certyard.ca.authority import ca_certificate, issuing_ca, open_ca_key
from certyard.ca.build import Urls, authority_key_identifier, build_leaf
from certyard.ca.config import CaSettings, load_settings
from certyard.ca.fips import check_ca, check_csr_fips, check_token_rule
from certyard.ca.profiles import Profile, allowed_subject, check_key, checked_sans, get_profile
from certyard.db.models.ca import CaIssued
from certyard.errors import InvalidCSR, InvalidInput, WeakAlgorithm
from certyard.store import fips_enabled
from certyard.x509 import load_csr, public_sha256, random_serial, san_strings

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["CheckedCSR", "IssuedView", "Signer", "check_csr", "sign_and_store", "store_issued"]


@dataclass(frozen=True, kw_only=True)
class CheckedCSR:
    """A CSR that passed every check: what may go into a certificate."""

    csr: x509.CertificateSigningRequest
    subject: x509.Name
    sans: list[x509.GeneralName]
    key_type: str
    key_size: int
    public_sha256: str
    public_key: Any = None  # the CSR's key, parsed once by check_csr (None: parse again)


@dataclass(frozen=True, kw_only=True)
class IssuedView:
    serial: str
    subject: str
    sans: list[str]
    profile: str
    not_before: str
    not_after: str
    status: str
    reason: str | None
    revoked_at: str | None
    request_id: int | None
    pem: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def of(cls, row: Any, *, with_pem: bool = True) -> IssuedView:
        pem = ""
        if with_pem:
            pem = x509.load_der_x509_certificate(row.der).public_bytes(Encoding.PEM).decode()
        return cls(serial=row.serial, subject=row.subject, sans=list(row.sans),
                   profile=row.profile, not_before=row.not_before.isoformat(),
                   not_after=row.not_after.isoformat(), status=row.status,
                   reason=row.revocation_reason,
                   revoked_at=row.revoked_at.isoformat() if row.revoked_at else None,
                   request_id=row.request_id, pem=pem)


def parse_csr(
    data: bytes | x509.CertificateSigningRequest, limit: int
) -> x509.CertificateSigningRequest:
    if not isinstance(data, x509.CertificateSigningRequest):
        try:
            return load_csr(data, limit=limit)  # its self-signature verified there
        except InvalidCSR:
            _refuse_weak_hash(data)  # a clearer reason than "does not verify"
            raise
    csr = data
    try:
        valid = csr.is_signature_valid
    except Exception:
        valid = False
    if not valid:
        raise InvalidCSR("the CSR's signature does not verify (altered or broken request)")
    return csr


def _refuse_weak_hash(data: bytes) -> None:
    """``cryptography`` no longer verifies SHA-1/MD5 signatures, so such a CSR fails as
    "does not verify"; say what is actually wrong with it."""
    try:
        loader = x509.load_pem_x509_csr if b"-----BEGIN" in data else x509.load_der_x509_csr
        algo = loader(data).signature_hash_algorithm
    except Exception:
        return
    if algo is not None and algo.name in ("sha1", "md5"):
        raise WeakAlgorithm(f"the CSR is signed with {algo.name.upper()}; the CA requires "
                            "SHA-256 or stronger")


def check_csr(csr: x509.CertificateSigningRequest, profile: Profile,
              settings: CaSettings) -> CheckedCSR:
    """Key strength, subject attributes and names against the profile and name policy."""
    try:
        pub = csr.public_key()
    except Exception:
        raise InvalidCSR("the CSR's public key cannot be read") from None
    key_type, key_size = check_key(pub)
    subject = allowed_subject(csr)
    sans = checked_sans(csr, profile, allowed_domains=settings.allowed_domains,
                        allow_wildcards=settings.allow_wildcards,
                        allowed_networks=settings.allowed_networks)
    if len(subject) == 0 and not sans:
        raise InvalidInput("the CSR has neither a subject nor a subject alternative name")
    return CheckedCSR(csr=csr, subject=subject, sans=sans, key_type=key_type,
                      key_size=key_size, public_sha256=public_sha256(pub), public_key=pub)


class Signer:
    """The active issuing CA resolved once (row, certificate, opened key, AKI, URLs), to
    sign many certificates in one transaction."""

    def __init__(self, ctx: AppContext, s: Session, settings: CaSettings | None = None) -> None:
        self.settings = settings or load_settings(s)
        self.ca = issuing_ca(s)
        self.issuer = ca_certificate(self.ca)
        self.key = open_ca_key(ctx, s, self.ca)
        self.aki = _aki(self.ca.fingerprint_sha256, self.issuer)
        self.urls = Urls(self.settings.url, self.ca.id)
        self.shards = self.settings.crl_shards
        self._shard_urls: dict[int, Urls] = {}
        # FIPS mode: the issuing CA itself may predate it (imported), so check it here.
        self.fips = fips_enabled(s)
        if self.fips:
            check_ca(self.issuer)
            check_token_rule(s, self.key.private_key is None, issuing=True)

    def sign(self, checked: CheckedCSR, *, profile: Profile, days: int | None,
             request_id: int | None, now: dt.datetime) -> dict[str, Any]:
        """Sign; returns the ``ca_issued`` row values. Validity is capped by the profile
        and by the CA's own expiry."""
        if self.fips:
            check_csr_fips(checked.csr)
        days = profile.default_days if days is None else days
        if not 1 <= days <= profile.max_days:
            raise InvalidInput(f"validity for the {profile.name} profile is 1 to "
                               f"{profile.max_days} days", field="days")
        not_before = now - dt.timedelta(minutes=5)
        not_after = min(now + dt.timedelta(days=days), self.issuer.not_valid_after_utc)
        serial = random_serial()
        shard, urls = self._partition(serial)
        cert = build_leaf(profile=profile, subject=checked.subject, sans=checked.sans,
                          public_key=(checked.csr.public_key() if checked.public_key is None
                                      else checked.public_key),
                          issuer=self.issuer,
                          aki=self.aki, signer=self.key, serial=serial,
                          not_before=not_before, not_after=not_after, urls=urls)
        return dict(serial=format(serial, "x"), issuer_id=self.ca.id, request_id=request_id,
                    profile=profile.name, subject=checked.subject.rfc4514_string(),
                    sans=san_strings(checked.sans), not_before=cert.not_valid_before_utc,
                    not_after=cert.not_valid_after_utc, der=cert.public_bytes(Encoding.DER),
                    status="good", created_at=now, crl_shard=shard)

    def _partition(self, serial: int) -> tuple[int | None, Urls]:
        """The CRL shard of a new certificate (by its random serial: even spread) and the
        URLs naming it; no shard when partitioning is off."""
        if not self.shards:
            return None, self.urls
        shard = serial % self.shards
        urls = self._shard_urls.get(shard)
        if urls is None:
            urls = self._shard_urls[shard] = Urls(self.settings.url, self.ca.id, shard)
        return shard, urls


def store_issued(s: Session, values: list[dict[str, Any]]) -> None:
    """One multi-row INSERT; the unique constraint on serial guards against a repeat."""
    if values:
        s.execute(insert(CaIssued), values)


def sign_and_store(
    ctx: AppContext, s: Session, checked: CheckedCSR, *, profile: Profile, days: int | None,
    request_id: int | None, now: dt.datetime, settings: CaSettings | None = None,
) -> CaIssued:
    """Sign one certificate and insert its row in the caller's transaction."""
    values = Signer(ctx, s, settings).sign(checked, profile=profile, days=days,
                                           request_id=request_id, now=now)
    row = CaIssued(**values)
    s.add(row)
    s.flush()
    return row


_AKI: dict[str, x509.AuthorityKeyIdentifier] = {}


def _aki(ca_fingerprint: str, issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    aki = _AKI.get(ca_fingerprint)
    if aki is None:
        aki = _AKI[ca_fingerprint] = authority_key_identifier(issuer)
    return aki


def resolve_profile(name: str | None, caller: str = "host") -> Profile:
    return get_profile(name or "server-client", caller)
