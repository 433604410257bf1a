"""The cluster's signed trust list (seed 003 CTL/ITL), server side: the long-lived signing
key (a 20-year certificate, like the seed's ITLRecovery), publishing numbered versions when
the store changes, serving the versions an agent has not seen, and key rollover.

Container and acceptance rules: see :mod:`certyard.cluster.jws`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.cluster.jws import cert_fingerprint, sign_list
from certyard.db.models import Node, PrivateKey, Setting, StoreEntry
from certyard.db.models.agent import TrustListVersion
from certyard.errors import NotInitialised
from certyard.store import open_private_key, seal_private_key
from certyard.x509 import build_self_signed

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["SIGNER_DAYS", "TrustListInfo", "publish_trust_list", "rollover_signer",
           "trust_lists_after"]

SIGNER_DAYS = 365 * 20
_SETTING = "trustlist"


@dataclass(frozen=True, kw_only=True)
class TrustListInfo:
    version: int
    signer: str
    records: int
    created_at: str
    published: bool

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _settings(s: Session) -> dict[str, Any]:
    row = s.get(Setting, _SETTING)
    return dict(row.value) if row is not None else {}


def _save(s: Session, value: dict[str, Any], now: dt.datetime) -> None:
    row = s.get(Setting, _SETTING)
    if row is None:
        s.add(Setting(name=_SETTING, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now


def _new_signer(ctx: AppContext, s: Session, now: dt.datetime) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP384R1())
    from certyard.cluster.nodes import cluster_name

    cluster = cluster_name(s)
    cert = build_self_signed(key, common_name=f"{cluster} trust list signer"[:64], sans=[],
                             hash_name="SHA384", now=now, days=SIGNER_DAYS)
    row = seal_private_key(s, ctx.master_key, key, now=now)
    s.flush()
    return {"key_id": row.id, "fingerprint": cert_fingerprint(cert),
            "cert": cert.public_bytes(Encoding.PEM).decode()}


def _active(s: Session, ctx: AppContext, cfg: dict[str, Any]) -> tuple[Any, x509.Certificate]:
    entry = next(x for x in cfg["signers"] if x["fingerprint"] == cfg["active"])
    row = s.get(PrivateKey, entry["key_id"])
    if row is None:
        raise NotInitialised("the trust-list signing key is missing; run "
                             "`certyard trustlist rollover`")
    from certyard.ca.signing import SealedFileSigner  # signs through the CA's interface

    key = SealedFileSigner(open_private_key(ctx.master_key, row))
    return key, x509.load_pem_x509_certificate(entry["cert"].encode())


def _records(s: Session, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = {n.id: n.name for n in s.scalars(select(Node))}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    rows = s.scalars(select(StoreEntry).where(StoreEntry.type.in_(("trust", "identity")))
                     .order_by(StoreEntry.purpose, StoreEntry.fingerprint_sha256))
    for e in rows:
        role = (f"trust:{e.purpose}-trust" if e.type == "trust"
                else f"identity:{e.purpose}@{nodes.get(e.node_id or 0, '?')}")
        out[(role, e.fingerprint_sha256)] = {
            "role": role, "certificate": base64.b64encode(e.der).decode(),
            "subject": e.subject, "issuer": e.issuer or "", "serial": e.serial or "",
            "fingerprint": e.fingerprint_sha256}
    for sig in cfg["signers"]:
        cert = x509.load_pem_x509_certificate(sig["cert"].encode())
        der = cert.public_bytes(Encoding.DER)
        out[("trustlist-signer", sig["fingerprint"])] = {
            "role": "trustlist-signer", "certificate": base64.b64encode(der).decode(),
            "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
            "serial": format(cert.serial_number, "X"), "fingerprint": sig["fingerprint"]}
    return [out[k] for k in sorted(out)]


def _publish(ctx: AppContext, s: Session, cfg: dict[str, Any], now: dt.datetime,
             *, force: bool = False) -> TrustListInfo:
    records = _records(s, cfg)
    signers = [x["fingerprint"] for x in cfg["signers"]]
    digest = hashlib.sha256(json.dumps([records, signers, cfg["active"]],
                                       sort_keys=True).encode()).hexdigest()
    latest = s.scalars(select(TrustListVersion).order_by(TrustListVersion.version.desc())
                       .limit(1)).first()
    if latest is not None and latest.digest_sha256 == digest and not force:
        return TrustListInfo(version=latest.version, signer=latest.signer_fingerprint,
                             records=len(records), created_at=latest.created_at.isoformat(),
                             published=False)
    version = (latest.version if latest else 0) + 1
    key, cert = _active(s, ctx, cfg)
    payload = {"type": "certyard-trust-list", "version": version,
               "issued_at": now.isoformat(), "signers": signers, "records": records}
    der = sign_list(payload, key=key, cert=cert)
    s.add(TrustListVersion(version=version, digest_sha256=digest, der=der, created_at=now,
                           signer_fingerprint=cfg["active"]))
    s.flush()
    return TrustListInfo(version=version, signer=cfg["active"], records=len(records),
                         created_at=now.isoformat(), published=True)


def _config(ctx: AppContext, s: Session, now: dt.datetime) -> dict[str, Any]:
    cfg = _settings(s)
    if not cfg.get("signers"):
        if s.scalar(select(func.count()).select_from(Node)) == 0:
            raise NotInitialised("the cluster is not initialised; run `certyard init` first")
        first = _new_signer(ctx, s, now)
        cfg = {"signers": [first], "active": first["fingerprint"]}
        _save(s, cfg, now)
    return cfg


def publish_trust_list(ctx: AppContext, *, force: bool = False) -> TrustListInfo:
    """Publish a new version if the store changed since the last one (or ``force``)."""
    now = ctx.clock.now()
    for attempt in range(3):
        try:
            with ctx.transaction() as s:
                cfg = _config(ctx, s, now)
                info = _publish(ctx, s, cfg, now, force=force)
                if info.published:
                    record_event(s, ctx, action="trustlist.publish", target=str(info.version),
                                 details={"records": info.records, "signer": info.signer})
                return info
        except IntegrityError:  # another replica published the same version first
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def trust_lists_after(ctx: AppContext, after: int = 0, *, limit: int = 50) -> list[bytes]:
    """The current list, preceded by every version newer than ``after`` (oldest first), so
    an agent that missed a key rollover can follow it step by step."""
    publish_trust_list(ctx)
    with ctx.read() as s:
        rows = list(s.scalars(select(TrustListVersion).where(TrustListVersion.version > after)
                              .order_by(TrustListVersion.version.desc()).limit(limit)))
        if not rows:
            rows = list(s.scalars(select(TrustListVersion)
                                  .order_by(TrustListVersion.version.desc()).limit(1)))
        return [bytes(r.der) for r in reversed(rows)]


def rollover_signer(ctx: AppContext) -> TrustListInfo:
    """Replace the signing key: one list signed by the old key names old and new, then one
    signed by the new key names only the new one. Agents that follow both versions move to
    the new key without trusting anything on first use again."""
    now = ctx.clock.now()
    with ctx.transaction() as s:
        cfg = _config(ctx, s, now)
        old = next(x for x in cfg["signers"] if x["fingerprint"] == cfg["active"])
        new = _new_signer(ctx, s, now)
        cfg = {"signers": [old, new], "active": old["fingerprint"]}
        _publish(ctx, s, cfg, now, force=True)
        cfg = {"signers": [new], "active": new["fingerprint"]}
        _save(s, cfg, now)
        info = _publish(ctx, s, cfg, now, force=True)
        record_event(s, ctx, action="trustlist.rollover", target=new["fingerprint"],
                     details={"old": old["fingerprint"], "version": info.version})
        return info
