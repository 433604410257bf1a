"""A reusable store consistency checker for crash tests.

After a process was killed at an arbitrary point, the store must look as if each
transaction either happened completely or not at all. ``check_store`` opens a fresh
context (as a restarted server would) and returns every violation it finds as one line, so
a test can ``assert not problems`` and see them all at once:

- every identity, CSR and CA certificate that should have a private key has one, it opens
  with the master key, and it matches the certificate's (or CSR's) public key;
- no orphan requests: a request marked issued names a serial the CA has on record for that
  request, and every issued certificate that names a request points at an issued one;
- each CA's stored CRL parses, is signed by that CA, carries the stored CRL number and lists
  exactly the certificates marked revoked or on hold;
- the audit trail's hash chain verifies.

``check_agent_dir`` does the same for a node's agent directory: only complete files (every
PEM parses, every key loads) and no temporary file left standing in for a real one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from certyard.clock import SystemClock
from certyard.config import Settings
from certyard.context import AppContext, open_context

__all__ = ["check_agent_dir", "check_store", "crl_numbers", "open_store"]


def open_store(env: dict[str, str]) -> AppContext:
    """A fresh context on the environment the killed process used (a "restart")."""
    return open_context(Settings.from_env(env), clock=SystemClock())


def _spki(public_key: Any) -> bytes:
    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _check_key(ctx: AppContext, s: Any, key_id: int | None, public_key: Any,
               what: str) -> list[str]:
    from certyard.db.models.store import PrivateKey
    from certyard.store import open_private_key

    if key_id is None:
        return [f"{what}: no private key"]
    row = s.get(PrivateKey, key_id)
    if row is None:
        return [f"{what}: private key {key_id} is missing"]
    try:
        key = open_private_key(ctx.master_key, row)
    except Exception as exc:  # any failure to open is the finding itself
        return [f"{what}: private key {key_id} does not open ({type(exc).__name__})"]
    if _spki(key.public_key()) != _spki(public_key):
        return [f"{what}: private key {key_id} does not match the public key"]
    return []


def _store_entries(ctx: AppContext, s: Any) -> list[str]:
    from certyard.db.models.store import StoreEntry

    problems: list[str] = []
    for e in s.scalars(select(StoreEntry).where(StoreEntry.type.in_(("identity", "csr")))):
        what = f"store entry {e.id} ({e.type} {e.purpose})"
        try:
            obj: Any = (x509.load_der_x509_certificate(e.der) if e.type == "identity"
                        else x509.load_der_x509_csr(e.der))
        except ValueError:
            problems.append(f"{what}: stored DER does not parse")
            continue
        problems += _check_key(ctx, s, e.private_key_id, obj.public_key(), what)
    return problems


def _ca_rows(ctx: AppContext, s: Any) -> list[str]:
    from certyard.db.models.ca import CaCertificate, CaIssued

    problems: list[str] = []
    for row in s.scalars(select(CaCertificate)):
        what = f"CA certificate {row.id} ({row.role})"
        cert = x509.load_der_x509_certificate(row.der)
        if row.private_key_id is not None or "issuing" in row.role:
            problems += _check_key(ctx, s, row.private_key_id, cert.public_key(), what)
        if row.crl_der is None:
            continue
        try:
            crl = x509.load_der_x509_crl(row.crl_der)
        except ValueError:
            problems.append(f"{what}: stored CRL does not parse")
            continue
        if not crl.is_signature_valid(cert.public_key()):  # type: ignore[arg-type]
            problems.append(f"{what}: stored CRL is not signed by the CA")
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        if number != row.crl_number:
            problems.append(f"{what}: CRL carries number {number}, row says {row.crl_number}")
        listed = {r.serial_number for r in crl}
        marked = set(s.scalars(select(CaIssued.serial).where(
            CaIssued.issuer_id == row.id, CaIssued.status.in_(("revoked", "hold")))))
        if {int(m, 16) for m in marked} != listed:
            problems.append(f"{what}: CRL lists {len(listed)} serials, "
                            f"{len(marked)} are marked revoked or on hold")
    return problems


def _requests(s: Any) -> list[str]:
    from certyard.db.models.ca import CaIssued, CaRequest

    problems: list[str] = []
    issued = {i.serial: i for i in s.scalars(select(CaIssued))}
    for r in s.scalars(select(CaRequest)):
        if r.state == "issued":
            row = issued.get(r.serial or "")
            if row is None or row.request_id != r.id:
                problems.append(f"request {r.id} is issued but serial {r.serial} has no "
                                "certificate recorded for it")
            if r.pending_key is not None:
                problems.append(f"request {r.id} is issued but still holds its pending key")
        elif r.serial is not None:
            problems.append(f"request {r.id} is {r.state} yet names serial {r.serial}")
    states = {r.id: r.state for r in s.scalars(select(CaRequest))}
    for i in issued.values():
        if i.request_id is not None and states.get(i.request_id) != "issued":
            problems.append(f"certificate {i.serial} names request {i.request_id}, which is "
                            f"{states.get(i.request_id, 'missing')}")
    return problems


def check_store(env: dict[str, str]) -> list[str]:
    """Every consistency violation in the store ``env`` points at, one line each."""
    from certyard.audit.query import verify_chain

    ctx = open_store(env)
    try:
        with ctx.read() as s:
            problems = _store_entries(ctx, s) + _ca_rows(ctx, s) + _requests(s)
        report = verify_chain(ctx)
        problems += [f"audit: {p['message']}" for p in report.problems]
        return problems
    finally:
        ctx.engine.dispose()


def crl_numbers(env: dict[str, str]) -> dict[int, int]:
    """CA id → the CRL number now stored."""
    from certyard.db.models.ca import CaCertificate

    ctx = open_store(env)
    try:
        with ctx.read() as s:
            return {r.id: r.crl_number for r in s.scalars(select(CaCertificate))}
    finally:
        ctx.engine.dispose()


def _pem_ok(data: bytes) -> bool:
    blocks = data.split(b"-----END ")
    if b"-----BEGIN " not in data:
        return False
    try:
        if b"PRIVATE KEY" in data:
            serialization.load_pem_private_key(data, password=None)
        elif b"CERTIFICATE REQUEST" in data:
            x509.load_pem_x509_csr(data)
        else:
            return len(x509.load_pem_x509_certificates(data)) == len(blocks) - 1
    except ValueError:
        return False
    return True


def check_agent_dir(root: Path) -> list[str]:
    """Only complete files: every PEM parses; no temporary file left behind. ``.der`` and
    JSON files must be non-empty and parse too."""
    import json

    problems: list[str] = []
    if not root.exists():
        return problems
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        name = path.name
        if ".tmp" in name:
            problems.append(f"{rel}: temporary file left behind")
            continue
        data = path.read_bytes()
        if name.endswith((".pem", ".crt", ".key", ".csr")):
            if not _pem_ok(data):
                problems.append(f"{rel}: incomplete or unreadable PEM ({len(data)} bytes)")
        elif name.endswith(".der"):
            try:
                x509.load_der_x509_certificate(data)
            except ValueError:
                problems.append(f"{rel}: incomplete DER certificate")
        elif name.endswith(".json"):
            try:
                json.loads(data)
            except ValueError:
                problems.append(f"{rel}: incomplete JSON")
        elif name.endswith(".jws") and not data.count(b".") == 2:
            problems.append(f"{rel}: incomplete JWS")
    return problems
