"""ACME profiles: one directory each, with the policy its orders follow (which identifiers,
wildcards, the CA certificate profile and lifetime, EAB, a per-account order rate, and
whether an administrator approves each certificate)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.acme.problems import AcmeProblem
from certyard.audit import record_event
from certyard.db.models.acme import AcmeProfile
from certyard.errors import Duplicate, InvalidInput, NotFound

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["APPROVALS", "ProfileView", "add_profile", "check_identifiers", "directory_url",
           "get_profile_row",
           "list_profiles", "remove_profile", "show_profile", "update_profile"]

APPROVALS = ("none", "required")
CERT_PROFILES = ("server", "server-client")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True, kw_only=True)
class ProfileView:
    name: str
    description: str
    allowed_suffixes: list[str]
    allowed_names: list[str]
    allowed_networks: list[str]
    allow_wildcards: bool
    cert_profile: str
    days: int
    eab_required: bool
    orders_per_hour: int
    approval: str
    auto_approve_nodes: bool
    terms_url: str
    created_at: str
    # What would make the profile not work as configured (shown by CLI, API and web).
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def of(cls, row: AcmeProfile, warnings: list[str] | None = None) -> ProfileView:
        return cls(warnings=list(warnings or []), name=row.name, description=row.description,
                   allowed_suffixes=list(row.allowed_suffixes),
                   allowed_names=list(row.allowed_names),
                   allowed_networks=list(row.allowed_networks),
                   allow_wildcards=row.allow_wildcards, cert_profile=row.cert_profile,
                   days=row.days, eab_required=row.eab_required,
                   orders_per_hour=row.orders_per_hour, approval=row.approval,
                   auto_approve_nodes=row.auto_approve_nodes, terms_url=row.terms_url,
                   created_at=row.created_at.isoformat())


def _dns(text: str, field: str) -> str:
    name = text.strip().lower().rstrip(".")
    if name.startswith("."):
        name = name[1:]
    if not name or len(name) > 253 or not all(_LABEL.match(p) for p in name.split(".")):
        raise InvalidInput(f"{text!r} is not a DNS name (e.g. example.com)", field=field)
    return name


def _net(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError:
        raise InvalidInput(f"{text!r} is not an IP network in CIDR form (e.g. 10.0.0.0/8)",
                           field="allowed_networks") from None


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if "allowed_suffixes" in out:
        out["allowed_suffixes"] = sorted({_dns(t, "allowed_suffixes")
                                          for t in out["allowed_suffixes"] if t.strip()})
    if "allowed_names" in out:
        out["allowed_names"] = sorted({_dns(t, "allowed_names")
                                       for t in out["allowed_names"] if t.strip()})
    if "allowed_networks" in out:
        out["allowed_networks"] = sorted({_net(t) for t in out["allowed_networks"]
                                          if t.strip()})
    if "cert_profile" in out and out["cert_profile"] not in CERT_PROFILES:
        raise InvalidInput(f"the certificate profile must be one of {', '.join(CERT_PROFILES)}",
                           field="cert_profile")
    if "days" in out and not (isinstance(out["days"], int) and 1 <= out["days"] <= 825):
        raise InvalidInput("days must be a whole number from 1 to 825", field="days")
    if "orders_per_hour" in out and not (isinstance(out["orders_per_hour"], int)
                                         and 0 <= out["orders_per_hour"] <= 100000):
        raise InvalidInput("orders per hour must be 0 (no limit) to 100000",
                           field="orders_per_hour")
    if "approval" in out and out["approval"] not in APPROVALS:
        raise InvalidInput("approval must be none or required", field="approval")
    if "terms_url" in out and out["terms_url"] and \
            not re.match(r"^https?://\S+$", out["terms_url"]):
        raise InvalidInput("the terms of service URL must be an http(s) URL", field="terms_url")
    if "description" in out:
        out["description"] = " ".join(str(out["description"]).split())[:500]
    return out


def profile_warnings(s: Session, row: AcmeProfile) -> list[str]:
    """Settings that do not work together: wildcards the CA's name policy refuses, and a
    public single-label suffix (``com``) open to anyone without EAB."""
    from certyard.ca.config import load_settings

    out = []
    if row.allow_wildcards and not load_settings(s).allow_wildcards:
        out.append("the profile allows wildcards but the CA forbids them: wildcard orders "
                   "are refused until `certyard ca config --allow-wildcards` is set")
    bare = [sfx for sfx in row.allowed_suffixes if "." not in sfx]
    if bare and not row.eab_required:
        out.append(f"suffix {', '.join(bare)} is a single label (like a top-level domain) "
                   "and registering needs no EAB key: anyone reaching the directory can "
                   "order any name under it")
    return out


def directory_url(ctx: AppContext, name: str) -> str:
    """The directory's URL on this server's HTTPS listener (its first certificate name,
    else this host's FQDN, and its port), as the web UI shows it."""
    import socket

    from certyard.ca.listeners import listener_settings

    ls = listener_settings(ctx)
    host = ls.names[0] if ls.names else (socket.getfqdn() or "localhost")
    if ":" in host:
        host = f"[{host.strip('[]')}]"
    port = "" if ls.https_port == 443 else f":{ls.https_port}"
    return f"https://{host}{port}/acme/{name}/directory"


def get_profile_row(s: Session, name: str) -> AcmeProfile:
    row = s.scalar(select(AcmeProfile).where(AcmeProfile.name == name))
    if row is None:
        raise NotFound("ACME profile", name)
    return row


def add_profile(ctx: AppContext, name: str, *, allowed_suffixes: list[str] | None = None,
                allowed_names: list[str] | None = None,
                allowed_networks: list[str] | None = None, allow_wildcards: bool = False,
                cert_profile: str = "server", days: int = 90, eab_required: bool = False,
                orders_per_hour: int = 0, approval: str = "none",
                auto_approve_nodes: bool = False, terms_url: str = "",
                description: str = "") -> ProfileView:
    """A new ACME directory at ``/acme/<name>/directory``."""
    name = name.strip().lower()
    if not _NAME.match(name):
        raise InvalidInput("a profile name is 1-64 lower-case letters, digits and hyphens",
                           field="name")
    values = _checked(dict(
        allowed_suffixes=allowed_suffixes or [], allowed_names=allowed_names or [],
        allowed_networks=allowed_networks or [], allow_wildcards=allow_wildcards,
        cert_profile=cert_profile, days=days, eab_required=eab_required,
        orders_per_hour=orders_per_hour, approval=approval,
        auto_approve_nodes=auto_approve_nodes, terms_url=terms_url, description=description))
    if not (values["allowed_suffixes"] or values["allowed_names"]
            or values["allowed_networks"]):
        raise InvalidInput("a profile must allow some identifiers: give domain suffixes, "
                           "exact names or IP networks", field="allowed_suffixes")
    now = ctx.clock.now()
    with ctx.transaction() as s:
        if s.scalar(select(AcmeProfile.id).where(AcmeProfile.name == name)) is not None:
            raise Duplicate(f"an ACME profile named {name} exists already")
        row = AcmeProfile(name=name, created_at=now, updated_at=now, **values)
        s.add(row)
        s.flush()
        record_event(s, ctx, action="acme.profile.add", target=f"acme profile {name}",
                     details={k: v for k, v in values.items() if k != "description"})
        return ProfileView.of(row, profile_warnings(s, row))


def update_profile(ctx: AppContext, name: str, **changes: Any) -> ProfileView:
    """Change the given fields (None: unchanged)."""
    fields = set(ProfileView.__dataclass_fields__) - {"name", "created_at", "warnings"}
    unknown = set(changes) - fields
    if unknown:
        raise InvalidInput(f"unknown ACME profile field {sorted(unknown)[0]}")
    values = _checked({k: v for k, v in changes.items() if v is not None})
    with ctx.transaction() as s:
        row = get_profile_row(s, name)
        for k, v in values.items():
            setattr(row, k, v)
        if not (row.allowed_suffixes or row.allowed_names or row.allowed_networks):
            raise InvalidInput("a profile must allow some identifiers: give domain "
                               "suffixes, exact names or IP networks", field="allowed_suffixes")
        row.updated_at = ctx.clock.now()
        s.flush()
        record_event(s, ctx, action="acme.profile.update", target=f"acme profile {name}",
                     details={k: v for k, v in values.items() if k != "description"})
        return ProfileView.of(row, profile_warnings(s, row))


def list_profiles(ctx: AppContext) -> list[ProfileView]:
    with ctx.read() as s:
        return [ProfileView.of(r) for r in s.scalars(select(AcmeProfile)
                                                     .order_by(AcmeProfile.name))]


def show_profile(ctx: AppContext, name: str) -> ProfileView:
    with ctx.read() as s:
        row = get_profile_row(s, name)
        return ProfileView.of(row, profile_warnings(s, row))


def remove_profile(ctx: AppContext, name: str) -> None:
    """Remove a directory with its accounts, orders and EAB keys. Certificates it issued
    stay with the CA (and can be revoked there)."""
    with ctx.transaction() as s:
        row = get_profile_row(s, name)
        s.delete(row)
        record_event(s, ctx, action="acme.profile.remove", target=f"acme profile {name}")


def check_identifiers(profile: AcmeProfile, identifiers: Any, *,
                      ca_wildcards: bool = True) -> list[dict[str, str]]:
    """The order's identifiers, normalised, or ``rejectedIdentifier`` (with a subproblem
    for each refused one) / ``unsupportedIdentifier`` / ``malformed``. ``ca_wildcards``:
    the CA's name policy (``ca config --allow-wildcards``), which finalize applies too."""
    if not isinstance(identifiers, list) or not identifiers or len(identifiers) > 100:
        raise AcmeProblem("malformed", "identifiers must be a list of 1 to 100 identifiers")
    out: list[dict[str, str]] = []
    sub: list[dict[str, Any]] = []
    for ident in identifiers:
        if not isinstance(ident, dict) or not isinstance(ident.get("type"), str) \
                or not isinstance(ident.get("value"), str):
            raise AcmeProblem("malformed", "an identifier is an object with type and value")
        kind, value = ident["type"], ident["value"]
        if kind not in ("dns", "ip"):
            raise AcmeProblem("unsupportedIdentifier",
                              f"identifier type {kind[:20]!r} is not supported (dns, ip)")
        reason = _refusal(profile, kind, value, ca_wildcards)
        norm = value.strip().lower() if kind == "dns" else _ip(value)
        if reason:
            sub.append({"type": "urn:ietf:params:acme:error:rejectedIdentifier",
                        "detail": reason, "identifier": {"type": kind, "value": value[:253]}})
        elif {"type": kind, "value": norm} not in out:
            out.append({"type": kind, "value": norm})
    if sub:
        raise AcmeProblem("rejectedIdentifier", "; ".join(p["detail"] for p in sub),
                          subproblems=sub)
    return out


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return value


def _refusal(profile: AcmeProfile, kind: str, value: str, ca_wildcards: bool) -> str | None:
    shown = value[:253]
    if kind == "ip":
        try:
            addr = ipaddress.ip_address(value.strip())
        except ValueError:
            return f"{shown!r} is not an IP address"
        if any(addr in ipaddress.ip_network(n) for n in profile.allowed_networks):
            return None
        return f"{shown} is outside the networks the {profile.name} profile allows"
    name = value.strip().lower()
    wildcard = name.startswith("*.")
    base = name[2:] if wildcard else name
    if len(base) > 253 or not base or not all(_LABEL.match(p) for p in base.split(".")):
        return f"{shown!r} is not a valid DNS name"
    if "*" in base:
        return f"{shown!r}: a wildcard is allowed only as the whole left-most label"
    if wildcard and not profile.allow_wildcards:
        return f"{shown}: the {profile.name} profile does not allow wildcard names"
    if wildcard and not ca_wildcards:
        return (f"{shown}: the CA does not issue wildcard names (its name policy forbids "
                "them: ca config --allow-wildcards)")
    if base in profile.allowed_names or any(
            base == sfx or base.endswith("." + sfx) for sfx in profile.allowed_suffixes):
        return None
    return f"{shown} is outside the names the {profile.name} profile allows"
