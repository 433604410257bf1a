"""The cluster's security password (seed 002 chapter 9): one persistent, changeable secret
that encrypts every backup. FIPS mode and Enhanced Security Mode need it to be at least 14
characters long; while either is on it cannot be shortened below that.

Only a password hash is stored (the accounts room's scheme: argon2id, or PBKDF2-SHA256 in
FIPS mode) with the facts the mode checks need (its length class), never the password.
A backup is encrypted with the password in force when it is taken, so after a change the
older archives still need the old password: take a new backup at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from certyard.accounts.rules import hash_password, read_rules, verify_password
from certyard.audit import record_event
from certyard.db.models import Setting
from certyard.errors import AuthenticationFailed, InvalidInput, PolicyViolation

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["FIPS_MIN_LENGTH", "MIN_LENGTH", "SecurityPasswordStatus", "check_security_password",
           "security_password_meets_fips", "security_password_status", "set_security_password"]

_SETTING = "security_password"
MIN_LENGTH = 8
FIPS_MIN_LENGTH = 14
_MAX_LENGTH = 127


@dataclass(frozen=True, kw_only=True)
class SecurityPasswordStatus:
    set: bool
    meets_fips_length: bool
    changed_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"set": self.set, "meets_fips_length": self.meets_fips_length,
                "changed_at": self.changed_at}


def _doc(s: Session) -> dict[str, Any]:
    row = s.get(Setting, _SETTING)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def security_password_meets_fips(s: Session) -> bool:
    """A security password of at least 14 characters is in force (FIPS/ESM prerequisite)."""
    doc = _doc(s)
    return bool(doc.get("hash")) and bool(doc.get("fips_length"))


def security_password_status(ctx: AppContext) -> SecurityPasswordStatus:
    with ctx.read() as s:
        doc = _doc(s)
    return SecurityPasswordStatus(set=bool(doc.get("hash")),
                                  meets_fips_length=bool(doc.get("fips_length")),
                                  changed_at=doc.get("changed_at"))


def _strict_mode(s: Session) -> str | None:
    """The mode that holds the password to 14 characters, if one is on."""
    for name, label in (("enhanced_security", "Enhanced Security Mode"), ("fips", "FIPS mode")):
        row = s.get(Setting, name)
        if row is not None and isinstance(row.value, dict) and row.value.get("enabled"):
            return label
    return None


def set_security_password(
    ctx: AppContext, new: str, *, current: str | None = None,
) -> dict[str, Any]:
    """Set or change the security password. Changing needs the current one."""
    if not isinstance(new, str) or not MIN_LENGTH <= len(new) <= _MAX_LENGTH:
        raise InvalidInput(f"the security password must have {MIN_LENGTH} to {_MAX_LENGTH} "
                           "characters", field="password")
    if any(ord(c) < 32 or ord(c) == 127 for c in new):
        raise InvalidInput("the security password must not contain control characters",
                           field="password")
    now = ctx.clock.now()
    with ctx.transaction() as s:
        doc = _doc(s)
        if doc.get("hash"):
            if current is None or not verify_password(doc["hash"], current):
                raise AuthenticationFailed("the current security password is not correct")
        mode = _strict_mode(s)
        if mode and len(new) < FIPS_MIN_LENGTH:
            raise PolicyViolation(f"{mode} is on: the security password must have at least "
                                  f"{FIPS_MIN_LENGTH} characters", rule="fips_length",
                                  field="password")
        value = {"hash": hash_password(new, scheme=read_rules(s)["password_hash"]),
                 "fips_length": len(new) >= FIPS_MIN_LENGTH, "changed_at": now.isoformat()}
        row = s.get(Setting, _SETTING, with_for_update=True)
        if row is None:
            s.add(Setting(name=_SETTING, value=value, updated_at=now))
        else:
            row.value = value
            row.updated_at = now
        record_event(s, ctx, action="security_password.change" if doc.get("hash")
                     else "security_password.set", target="security password",
                     details={"fips_length": value["fips_length"]})
    return {"set": True, "meets_fips_length": value["fips_length"],
            "note": "backups taken before this change still need the previous security "
                    "password; take a new backup now (certyard backup FILE)"
            if doc.get("hash") else ""}


def check_security_password(ctx: AppContext, password: str) -> None:
    """A backup is encrypted with the security password in force: refuse any other."""
    with ctx.read() as s:
        doc = _doc(s)
    if doc.get("hash") and not verify_password(doc["hash"], password):
        raise AuthenticationFailed("this is not the security password in force "
                                   "(certyard security-password status)")
