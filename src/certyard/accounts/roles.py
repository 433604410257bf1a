"""Roles: the built-in ones of the seed and custom roles built from privileges.

A privilege is ``<area>:<action>`` with actions read, edit, create, delete, execute. Every
route of the API and the UI names the one privilege it needs; ``has_privilege`` decides.

``keys:read`` (KEY_ACCESS) stands apart: it is the right to obtain private keys in clear,
by any route (an agent enrolled for a node receives that node's keys, a backup holds every
key). Only the System Administrator holds it by default; a custom role may be given it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from certyard.audit import record_event
from certyard.db.models.accounts import Role, User
from certyard.errors import Conflict, Duplicate, InvalidInput, NotFound, PermissionDenied

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "ACTIONS",
    "AREAS",
    "BUILTIN_ROLES",
    "DEFAULT_NEW_USER_ROLE",
    "KEY_ACCESS",
    "SUPER_CUSTOM",
    "RoleView",
    "create_role",
    "delete_role",
    "has_privilege",
    "list_roles",
    "require_key_access",
    "require_privilege",
    "role_privileges",
]

AREAS = ("certificates", "ca", "nodes", "monitoring", "policy", "accounts", "audit",
         "settings")
ACTIONS = ("read", "edit", "create", "delete", "execute")
KEY_ACCESS = "keys:read"
# Seed 002 ch. 7: in Enhanced Security Mode the "Super Custom Administrator" privilege lets a
# System Administrator build a second level of administrators who manage custom roles.
SUPER_CUSTOM = "roles:manage"
ALL = frozenset(f"{a}:{x}" for a in AREAS for x in ACTIONS) | {KEY_ACCESS, SUPER_CUSTOM}


def _p(*areas: str, actions: tuple[str, ...] = ACTIONS) -> frozenset[str]:
    return frozenset(f"{a}:{x}" for a in areas for x in actions)


BUILTIN_ROLES: dict[str, frozenset[str]] = {
    "System Administrator": ALL,
    "Certificate Administrator": _p("certificates", "ca", "nodes")
    | _p("monitoring", "policy", "settings", actions=("read",)),
    # Help desk: view, unlock accounts and reset passwords ("accounts:execute").
    "Help Desk Administrator": _p("certificates", "ca", "nodes", "monitoring", "policy",
                                  "accounts", "settings", actions=("read",))
    | {"accounts:execute"},
    # Seed 002 ch. 5: manages user account settings and every user administration function.
    # It reads what it may hand out (accounts are never given more than their maker holds).
    "User Administrator": _p("accounts")
    | _p("certificates", "ca", "nodes", "monitoring", "policy", "settings", actions=("read",)),
    "Audit Administrator": _p("audit"),
    "Read-only": _p("certificates", "ca", "nodes", "monitoring", "policy", "settings",
                    actions=("read",)),
}

# What a new account gets unless someone chooses more: the least privileged built-in role.
DEFAULT_NEW_USER_ROLE = "Read-only"

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _.-]{1,63}$")


@dataclass(frozen=True, kw_only=True)
class RoleView:
    name: str
    privileges: tuple[str, ...]
    builtin: bool
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "privileges": list(self.privileges), "builtin": self.builtin,
                "description": self.description}


def role_privileges(s: Any, role: str) -> frozenset[str]:
    if role in BUILTIN_ROLES:
        return BUILTIN_ROLES[role]
    row = s.get(Role, role)
    return frozenset(row.privileges) if row is not None else frozenset()


def has_privilege(privileges: frozenset[str], needed: str) -> bool:
    return needed in privileges


def require_privilege(s: Any, ctx: AppContext, needed: str, *, what: str) -> None:
    """The domain's own check of the acting role (the delivery layer checked its route's
    privilege already; this one holds for every front end, the CLI and jobs included)."""
    role = getattr(getattr(ctx, "actor", None), "role", "")
    if needed not in role_privileges(s, role):
        raise PermissionDenied(f"{what} needs the {needed} privilege, which your role "
                               f"({role or 'none'}) does not hold")


def require_key_access(s: Any, ctx: AppContext, *, what: str) -> None:
    """Refuse unless the acting role holds ``keys:read``: ``what`` would hand out keys."""
    require_privilege(s, ctx, KEY_ACCESS, what=what)


def list_roles(ctx: AppContext) -> list[RoleView]:
    out = [RoleView(name=n, privileges=tuple(sorted(p)), builtin=True)
           for n, p in BUILTIN_ROLES.items()]
    with ctx.read() as s:
        for r in s.scalars(select(Role).order_by(Role.name)):
            out.append(RoleView(name=r.name, privileges=tuple(sorted(r.privileges)),
                                builtin=False, description=r.description))
    return out


def create_role(ctx: AppContext, name: str, *, privileges: list[str],
                description: str = "") -> RoleView:
    name = name.strip()
    if not _NAME.match(name):
        raise InvalidInput("a role name is 2 to 64 letters, digits, spaces, '.', '_' or '-', "
                           "starting with a letter", field="name")
    bad = [p for p in privileges if p not in ALL]
    if bad:
        raise InvalidInput(f"unknown privilege {bad[0]!r}; use AREA:ACTION with areas "
                           f"{', '.join(AREAS)} and actions {', '.join(ACTIONS)}, or "
                           f"{KEY_ACCESS}",
                           field="privileges")
    if not privileges:
        raise InvalidInput("choose at least one privilege", field="privileges")
    with ctx.transaction() as s:
        if SUPER_CUSTOM in privileges:
            _check_super_custom(s, ctx)
        # No escalation: a role can only be built from privileges its maker holds.
        lacking = sorted(set(privileges) - role_privileges(s, getattr(ctx.actor, "role", "")))
        if lacking:
            raise PermissionDenied(f"you cannot create a role with privileges you do not have "
                                   f"({', '.join(lacking[:3])}{'…' if len(lacking) > 3 else ''})")
        taken = [*BUILTIN_ROLES, *s.scalars(select(Role.name))]
        if any(name.casefold() == other.casefold() for other in taken):
            # Names differing only in case would pass for one another in every list.
            raise Duplicate(f"a role named {name} already exists", field="name")
        s.add(Role(name=name, privileges=sorted(set(privileges)), description=description[:300],
                   created_at=ctx.clock.now()))
        record_event(s, ctx, action="accounts.role.create", target=name,
                     details={"privileges": sorted(set(privileges))})
    return RoleView(name=name, privileges=tuple(sorted(set(privileges))), builtin=False,
                    description=description)


def _check_super_custom(s: Any, ctx: AppContext) -> None:
    """The privilege exists in Enhanced Security Mode and only a System Administrator grants
    it: two levels of administrators, never more."""
    from certyard.accounts.rules import floor_mode

    if floor_mode(s) != "Enhanced Security Mode":
        raise InvalidInput("the Super Custom Administrator privilege (roles:manage) exists only "
                           "in Enhanced Security Mode", field="privileges")
    if getattr(ctx.actor, "role", "") != "System Administrator":
        raise PermissionDenied("only a System Administrator grants the Super Custom "
                               "Administrator privilege")


def delete_role(ctx: AppContext, name: str) -> None:
    with ctx.transaction() as s:
        if name in BUILTIN_ROLES:
            raise Conflict(f"{name} is a built-in role and cannot be deleted")
        row = s.get(Role, name)
        if row is None:
            raise NotFound("role", name)
        if s.scalar(select(User.id).where(User.role == name).limit(1)) is not None:
            raise Conflict(f"role {name} is assigned to users; give them another role first")
        s.delete(row)
        record_event(s, ctx, action="accounts.role.delete", target=name)
