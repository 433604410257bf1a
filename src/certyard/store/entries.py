"""The Certificate List: finding, showing, downloading and deleting store entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, aliased, defer

from certyard.audit import record_event
from certyard.db.models import Node, StoreEntry
from certyard.errors import InvalidInput, NotFound
from certyard.store.keystore import release_keys
from certyard.x509 import certificate_details, csr_details

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "ENTRY_TYPES",
    "EntryView",
    "Page",
    "delete_entry",
    "download_entry",
    "entry_view",
    "find_entries",
    "show_entry",
]

ENTRY_TYPES = ("identity", "trust", "csr")
SORT_KEYS = {
    "common_name": StoreEntry.common_name,
    "expiration": StoreEntry.not_after,
    "purpose": StoreEntry.purpose,
    "type": StoreEntry.type,
    "created": StoreEntry.created_at,
    "id": StoreEntry.id,
}


@dataclass(frozen=True, kw_only=True)
class EntryView:
    """One row of the Certificate List as plain values."""

    id: int
    type: str
    purpose: str
    store: str
    node: str | None
    distribution: str
    common_name: str
    subject: str
    issuer: str | None
    serial: str | None
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    key_type: str
    key_size: int
    signature_hash: str | None
    self_signed: bool
    fingerprint_sha256: str
    sans: list[str]
    description: str
    has_private_key: bool
    created_at: dt.datetime

    @property
    def issued_by(self) -> str:
        if self.type == "csr":
            return "-"
        return "Self-signed" if self.self_signed else _cn_of(self.issuer or "")

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("not_before", "not_after", "created_at"):
            d[k] = d[k].isoformat() if d[k] else None
        d["issued_by"] = self.issued_by
        return d


def _cn_of(rfc4514: str) -> str:
    for part in rfc4514.split(","):
        if part.startswith("CN="):
            return part[3:]
    return rfc4514


def entry_view(row: StoreEntry, node_name: str | None) -> EntryView:
    return EntryView(
        id=row.id, type=row.type, purpose=row.purpose,
        store=f"{row.purpose}-trust" if row.type == "trust" else row.purpose,
        node=node_name, distribution=row.distribution, common_name=row.common_name,
        subject=row.subject, issuer=row.issuer, serial=row.serial,
        not_before=row.not_before, not_after=row.not_after, key_type=row.key_type,
        key_size=row.key_size, signature_hash=row.signature_hash,
        self_signed=row.self_signed, fingerprint_sha256=row.fingerprint_sha256,
        sans=list(row.sans or []), description=row.description,
        has_private_key=row.private_key_id is not None, created_at=row.created_at,
    )


@dataclass(frozen=True, kw_only=True)
class Page:
    items: list[EntryView]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def to_dict(self) -> dict[str, Any]:
        return {"items": [i.to_dict() for i in self.items], "total": self.total,
                "page": self.page, "page_size": self.page_size, "pages": self.pages}


def _node_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    node_id = session.scalar(select(Node.id).where(or_(Node.name == name, Node.fqdn == name)))
    if node_id is None:
        raise NotFound("node", name)
    return node_id


_PAGE_MAX = 10_000_000  # beyond any store: the offset stays a 64-bit number
_FIND_MAX = 1000  # common names are at most 64 characters (RFC 5280 ub-common-name)


def find_entries(
    ctx: AppContext,
    *,
    node: str | None = None,
    purpose: str | None = None,
    type: str | None = None,
    text: str | None = None,
    expiring_before: dt.datetime | None = None,
    sort: str = "common_name",
    descending: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """The seed's Find controls: node, purpose (or PURPOSE-trust), type, text in the common
    name, expiring before a date; sorted and paginated."""
    if type is not None and type not in ENTRY_TYPES:
        raise InvalidInput(f"type must be one of {', '.join(ENTRY_TYPES)}", field="type")
    if sort not in SORT_KEYS:
        raise InvalidInput(f"sort must be one of {', '.join(SORT_KEYS)}", field="sort")
    if not 1 <= page <= _PAGE_MAX or not 1 <= page_size <= 1000:
        raise InvalidInput(f"page is 1 to {_PAGE_MAX:,} and page size is 1 to 1000",
                           field="page")
    if text is not None and len(text) > _FIND_MAX:
        raise InvalidInput(f"search text is at most {_FIND_MAX:,} characters",
                           field="text")
    with ctx.read() as s:
        conds: list[Any] = []
        node_id = _node_id(s, node)
        if node_id is not None:
            conds.append(or_(StoreEntry.node_id == node_id, StoreEntry.node_id.is_(None)))
        if purpose:
            if purpose.endswith("-trust"):
                conds += [StoreEntry.purpose == purpose.removesuffix("-trust"),
                          StoreEntry.type == "trust"]
            else:
                conds.append(StoreEntry.purpose == purpose)
        if type:
            conds.append(StoreEntry.type == type)
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(StoreEntry.common_name.ilike(f"%{escaped}%", escape="\\"))
        if expiring_before is not None:
            conds.append(StoreEntry.not_after < expiring_before)
        # Count without the join or the blobs: it is the costly half on a large store.
        total = s.scalar(select(func.count()).select_from(StoreEntry).where(*conds)) or 0
        owner = aliased(Node)
        col = SORT_KEYS[sort]
        order: list[Any] = [col.desc() if descending else col.asc(), StoreEntry.id.asc()]
        q = (
            select(StoreEntry, owner.name)
            .outerjoin(owner, owner.id == StoreEntry.node_id)
            .where(*conds)
            .options(defer(StoreEntry.der))
            .order_by(*order).limit(page_size).offset((page - 1) * page_size)
        )
        items = [entry_view(row, node_name) for row, node_name in s.execute(q)]
    return Page(items=items, total=total, page=page, page_size=page_size)


def _get(s: Session, entry_id: int) -> tuple[StoreEntry, str | None]:
    row = s.get(StoreEntry, entry_id)
    if row is None:
        raise NotFound("certificate", entry_id)
    node_name = s.scalar(select(Node.name).where(Node.id == row.node_id)) if row.node_id else None
    return row, node_name


def show_entry_with_view(ctx: AppContext, entry_id: int) -> tuple[dict[str, Any], EntryView]:
    """:func:`show_entry` and the entry's list view, for the certificate page."""
    details = show_entry(ctx, entry_id)
    with ctx.read() as s:
        row, node_name = _get(s, entry_id)  # NotFound when deleted between the two reads
        return details, entry_view(row, node_name)


def show_entry(ctx: AppContext, entry_id: int) -> dict[str, Any]:
    """Certificate Details: every field, with SHA-512 checksum and fingerprints."""
    with ctx.read() as s:
        row, node_name = _get(s, entry_id)
        view = entry_view(row, node_name)
        if row.type == "csr":
            details = csr_details(x509.load_der_x509_csr(row.der))
        else:
            details = certificate_details(x509.load_der_x509_certificate(row.der))
    return {**view.to_dict(), "details": details}


def download_entry(ctx: AppContext, entry_id: int, *, format: str = "pem") -> tuple[str, bytes]:
    """(file name, bytes) of a certificate or CSR. Private keys never leave on this path."""
    if format not in ("pem", "der"):
        raise InvalidInput("format must be pem or der", field="format")
    with ctx.read() as s:
        row, _ = _get(s, entry_id)
    if row.type == "csr":
        obj: Any = x509.load_der_x509_csr(row.der)
        ext = "csr"
    else:
        obj = x509.load_der_x509_certificate(row.der)
        ext = "pem" if format == "pem" else "der"
    data = obj.public_bytes(Encoding.PEM if format == "pem" else Encoding.DER)
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in row.common_name)[:60]
    return f"{row.purpose}-{safe or row.id}.{ext if format == 'pem' else 'der'}", data


def delete_entry(ctx: AppContext, entry_id: int) -> dict[str, Any]:
    """Delete an entry. Deleting an identity certificate also deletes its CSR (seed caution);
    a multi-server certificate or CSR is deleted from every node."""
    with ctx.transaction() as s:
        row, node_name = _get(s, entry_id)
        victims = [row]
        if row.distribution == "multi-server":
            victims = list(s.scalars(select(StoreEntry).where(
                StoreEntry.type == row.type, StoreEntry.purpose == row.purpose,
                StoreEntry.fingerprint_sha256 == row.fingerprint_sha256)))
        if row.type == "identity":
            node_ids = [v.node_id for v in victims]
            victims += list(s.scalars(select(StoreEntry).where(
                StoreEntry.type == "csr", StoreEntry.purpose == row.purpose,
                StoreEntry.node_id.in_(node_ids))))
        keys = {v.private_key_id for v in victims}
        ids = [v.id for v in victims]
        s.execute(delete(StoreEntry).where(StoreEntry.id.in_(ids)))
        release_keys(s, keys)
        record_event(s, ctx, action="certificate.delete",
                     target=f"{row.type} {row.purpose} {row.common_name}",
                     details={"ids": ids, "fingerprint": row.fingerprint_sha256})
    return {"deleted": ids, "type": row.type, "purpose": row.purpose, "node": node_name,
            "common_name": row.common_name}
