"""IPsec policies: add, list, view, edit, enable/disable, delete selected (seed 001
"IPSEC Management"). Weak algorithms are refused in FIPS mode; the pre-shared key is
sealed with the master key and never returned."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard import store
from certyard.audit import record_event
from certyard.db.models.ipsec import IpsecPolicy
from certyard.errors import Duplicate, InvalidInput, NotFound, WeakAlgorithm
from certyard.ipsec.spec import IpsecPolicySpec

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "IpsecPolicyView",
    "add_policy",
    "delete_policies",
    "fips_switch_steps",
    "get_policy",
    "list_policies",
    "open_preshared_key",
    "recertify_steps",
    "set_enabled",
    "update_policy",
]

_SPEC_FIELDS = [f for f in IpsecPolicySpec.__dataclass_fields__ if f != "preshared_key"]


@dataclass(frozen=True, kw_only=True)
class IpsecPolicyView:
    id: int
    spec: IpsecPolicySpec  # preshared_key is always None here
    has_preshared_key: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self.spec)
        d.pop("preshared_key")
        d.update(id=self.id, has_preshared_key=self.has_preshared_key, weak=self.spec.weak,
                 created_at=self.created_at.isoformat(), updated_at=self.updated_at.isoformat())
        return d


def _spec_of(row: IpsecPolicy) -> IpsecPolicySpec:
    return IpsecPolicySpec(**{f: getattr(row, f) for f in _SPEC_FIELDS})


def _view(row: IpsecPolicy) -> IpsecPolicyView:
    return IpsecPolicyView(id=row.id, spec=_spec_of(row), has_preshared_key=bool(row.psk_sealed),
                           created_at=row.created_at, updated_at=row.updated_at)


def _aad(name: str) -> bytes:
    return f"ipsec-psk:{name}".encode()


def _check_fips(s: Session, spec: IpsecPolicySpec) -> None:
    weak = spec.weak
    if weak and spec.enabled and store.fips_enabled(s):
        raise WeakAlgorithm(f"FIPS mode is on: {', '.join(weak)} cannot be used; choose "
                            "AES, SHA-2 and DH 14/19/20", field="encryption_algorithm")


def _row(s: Session, name: str, *, lock: bool = False) -> IpsecPolicy:
    q = select(IpsecPolicy).where(IpsecPolicy.name == name)
    row = s.scalars(q.with_for_update() if lock else q).first()
    if row is None:
        raise NotFound("IPsec policy", name)
    return row


def add_policy(ctx: AppContext, spec: IpsecPolicySpec) -> IpsecPolicyView:
    if spec.auth_method == "pre-shared-key" and not spec.preshared_key:
        raise InvalidInput("a pre-shared key is required for pre-shared-key authentication",
                           field="preshared_key")
    now = ctx.clock.now()
    with ctx.transaction() as s:
        _check_fips(s, spec)
        if s.scalar(select(IpsecPolicy.id).where(IpsecPolicy.name == spec.name)):
            raise Duplicate(f"an IPsec policy named {spec.name} already exists", field="name")
        row = IpsecPolicy(**{f: getattr(spec, f) for f in _SPEC_FIELDS},
                          created_at=now, updated_at=now)
        if spec.preshared_key:
            row.psk_sealed = ctx.master_key.seal(spec.preshared_key.encode(),
                                                 aad=_aad(spec.name))
        s.add(row)
        s.flush()
        record_event(s, ctx, action="ipsec.add", target=f"ipsec:{spec.name}",
                     details=_audit_details(spec))
        return _view(row)


def _audit_details(spec: IpsecPolicySpec) -> dict[str, Any]:
    d = asdict(spec)
    d["preshared_key"] = "(set)" if spec.preshared_key else None  # never the key itself
    return d


def update_policy(ctx: AppContext, name: str, /, **changes: Any) -> IpsecPolicyView:
    """Edit fields of a policy (``name`` cannot change; a new key replaces the old one)."""
    if "name" in changes and changes["name"] != name:
        raise InvalidInput("a policy cannot be renamed; add a new one", field="name")
    with ctx.transaction() as s:
        row = _row(s, name, lock=True)
        spec = _spec_of(row).with_changes(**changes)
        if spec.auth_method == "pre-shared-key" and not (spec.preshared_key or row.psk_sealed):
            raise InvalidInput("a pre-shared key is required for pre-shared-key "
                               "authentication", field="preshared_key")
        _check_fips(s, spec)
        for f in _SPEC_FIELDS:
            setattr(row, f, getattr(spec, f))
        if spec.auth_method == "certificate":
            row.psk_sealed = None
        elif spec.preshared_key:
            row.psk_sealed = ctx.master_key.seal(spec.preshared_key.encode(), aad=_aad(name))
        row.updated_at = ctx.clock.now()
        record_event(s, ctx, action="ipsec.update", target=f"ipsec:{name}",
                     details={k: ("(set)" if k == "preshared_key" else v)
                              for k, v in changes.items()})
        return _view(row)


def set_enabled(ctx: AppContext, name: str, enabled: bool) -> IpsecPolicyView:
    return update_policy(ctx, name, enabled=enabled)


def delete_policies(ctx: AppContext, names: list[str]) -> list[str]:
    """Delete Selected: all named policies or, if one is unknown, none."""
    if not names:
        raise InvalidInput("select at least one policy to delete", field="names")
    with ctx.transaction() as s:
        rows = [_row(s, n, lock=True) for n in dict.fromkeys(names)]
        for row in rows:
            s.delete(row)
        deleted = [r.name for r in rows]
        record_event(s, ctx, action="ipsec.delete", target="ipsec",
                     details={"policies": deleted})
    return deleted


def fips_switch_steps(s: Session) -> list[str]:
    """Seed 002 ch. 6: a certificate-based IPsec policy does not survive a move between
    FIPS and non-FIPS mode; weak algorithms are refused in FIPS mode. What the administrator
    must do, per enabled policy, in the seed's order."""
    from certyard.ipsec.algorithms import weak_choices

    steps: list[str] = []
    rows = s.scalars(select(IpsecPolicy).where(IpsecPolicy.enabled.is_(True))
                     .order_by(IpsecPolicy.name))
    for row in rows:
        weak = weak_choices(encryption=row.encryption_algorithm, hash_=row.hash_algorithm,
                            esp=row.esp_algorithm, dh1=row.phase1_dh, dh2=row.phase2_dh)
        if row.auth_method == "certificate":
            steps.append(f"IPsec policy {row.name} is certificate-based: 1. disable it "
                         f"(certyard ipsec disable {row.name}), 2. re-certify: regenerate the "
                         "ipsec certificate and exchange it with the peer, 3. enable it again")
        if weak:
            steps.append(f"IPsec policy {row.name} uses {', '.join(weak)}, which FIPS mode "
                         f"refuses: change it (certyard ipsec edit {row.name} ...) or disable "
                         "it")
    return steps


def recertify_steps(s: Session) -> list[str]:
    """After a FIPS switch: the disabled certificate-based policies still to re-certify and
    enable (steps 2 and 3 of the seed's order)."""
    rows = s.scalars(select(IpsecPolicy).where(IpsecPolicy.enabled.is_(False),
                                               IpsecPolicy.auth_method == "certificate")
                     .order_by(IpsecPolicy.name))
    return [f"IPsec policy {r.name} is certificate-based: 2. re-certify (regenerate the ipsec "
            f"certificate and exchange it with the peer), 3. enable it again (certyard ipsec "
            f"enable {r.name})" for r in rows]


def list_policies(ctx: AppContext, *, group: str | None = None) -> list[IpsecPolicyView]:
    with ctx.read() as s:
        q = select(IpsecPolicy).order_by(IpsecPolicy.group_name, IpsecPolicy.name)
        if group:
            q = q.where(IpsecPolicy.group_name == group)
        return [_view(r) for r in s.scalars(q)]


def get_policy(ctx: AppContext, name: str) -> IpsecPolicyView:
    with ctx.read() as s:
        return _view(_row(s, name))


def open_preshared_key(ctx: AppContext, row: IpsecPolicy) -> str | None:
    """For the swanctl export only; never shown in a listing."""
    if not row.psk_sealed:
        return None
    return ctx.master_key.open(row.psk_sealed, aad=_aad(row.name)).decode()
