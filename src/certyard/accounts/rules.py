"""Authentication rules (seed 002 chapter 8) and the password checks they drive.

Stored as ``Setting("auth_rules")``; Enhanced Security Mode (policy room) writes the same
keys. Defaults follow the seed's recommendations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.db.documents import merge_document
from certyard.db.models import Setting
from certyard.errors import InvalidInput, PolicyViolation

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["CLASS_NAMES", "DEFAULT_RULES", "check_new_password", "describe_rules",
           "get_auth_rules", "hash_password", "new_password_rules", "read_floor", "read_rules",
           "set_auth_rules", "set_rules_floor", "verify_password"]

DEFAULT_RULES: dict[str, Any] = {
    "failed_attempts": 3,
    "reset_failed_after_minutes": 30,
    "lockout_minutes": 30,            # None: an administrator must unlock
    "credential_expiry_days": 120,    # 0: never
    "min_length": 8,
    "min_char_changes": 1,
    "remembered_credentials": 5,
    "check_trivial": True,
    "max_sessions": 0,                # 0: unlimited
    "inactivity_days": 0,             # 0: off
    "idle_timeout_minutes": 30,
    "session_lifetime_hours": 8,
    "password_hash": "argon2id",
    "max_length": 127,
    "require_classes": [],            # empty: the trivial check's three of four classes
    "min_password_age_days": 0,       # a user may not change their own password sooner
    "api_token_days": 90,             # lifetime of a new API token unless another is asked
    "api_token_max_days": 365,        # the longest lifetime a token may be given
    "sign_in_source_attempts": 20,    # sign-in attempts per source address per window
    "sign_in_source_window_seconds": 300,
}

CLASS_NAMES = {"lower": "a lowercase letter", "upper": "an uppercase letter",
               "digit": "a digit", "special": "a special character"}
_FLOOR_KEY = "floor"  # the mode that imposes minimums keeps them here (see set_rules_floor)

_INT_LIMITS: dict[str, tuple[int, int]] = {
    "failed_attempts": (0, 100), "reset_failed_after_minutes": (1, 120000),
    "lockout_minutes": (1, 120000), "credential_expiry_days": (0, 3650),
    "min_length": (1, 127), "min_char_changes": (0, 127), "remembered_credentials": (0, 50),
    "max_sessions": (0, 1000), "inactivity_days": (0, 3650),
    "idle_timeout_minutes": (1, 1440), "session_lifetime_hours": (1, 720),
    "max_length": (8, 127), "min_password_age_days": (0, 365),
    "api_token_days": (1, 3650), "api_token_max_days": (1, 3650),
    "sign_in_source_attempts": (1, 100000), "sign_in_source_window_seconds": (1, 86400),
}

_argon = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile


def read_rules(s: Session) -> dict[str, Any]:
    row = s.get(Setting, "auth_rules")
    merged = dict(DEFAULT_RULES)
    if row is not None:
        merged.update({k: v for k, v in row.value.items() if k in DEFAULT_RULES})
    return merged


def get_auth_rules(ctx: AppContext) -> dict[str, Any]:
    with ctx.read() as s:
        return read_rules(s)


def _validate(rules: dict[str, Any]) -> None:
    for key, (lo, hi) in _INT_LIMITS.items():
        v = rules[key]
        if key == "lockout_minutes" and v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise InvalidInput(f"{key.replace('_', ' ')} must be a whole number from {lo} to {hi}",
                               field=key)
    if not isinstance(rules["check_trivial"], bool):
        raise InvalidInput("check trivial must be true or false", field="check_trivial")
    if rules["password_hash"] not in ("argon2id", "pbkdf2-sha256"):
        raise InvalidInput("password hash must be argon2id or pbkdf2-sha256",
                           field="password_hash")
    classes = rules["require_classes"]
    if not isinstance(classes, list) or any(c not in CLASS_NAMES for c in classes):
        raise InvalidInput(f"required character classes must be among "
                           f"{', '.join(CLASS_NAMES)}", field="require_classes")
    if rules["max_length"] < rules["min_length"]:
        raise InvalidInput("the maximum length must not be below the minimum length",
                           field="max_length")
    if rules["api_token_days"] > rules["api_token_max_days"]:
        raise InvalidInput("the API token lifetime must not exceed its maximum",
                           field="api_token_days")
    if rules["min_char_changes"] > rules["min_length"]:
        raise InvalidInput("minimum character changes must not exceed the minimum length",
                           field="min_char_changes")


def set_auth_rules(ctx: AppContext, **changes: Any) -> dict[str, Any]:
    """Change some rules; unknown keys are refused, the rest is kept."""
    unknown = set(changes) - set(DEFAULT_RULES)
    if unknown:
        raise InvalidInput(f"unknown authentication rule {sorted(unknown)[0]}",
                           field=sorted(unknown)[0])
    with ctx.transaction() as s:
        rules = read_rules(s)
        rules.update(changes)
        _validate(rules)
        floor = read_floor(s)
        if floor:
            _check_floor(rules, floor)
        s.merge(Setting(name="auth_rules", value={**rules, _FLOOR_KEY: floor},
                        updated_at=ctx.clock.now()))
        record_event(s, ctx, action="accounts.auth_rules", target="authentication rules",
                     details=changes)
    return rules


def read_floor(s: Session) -> dict[str, Any]:
    """The minimums a security mode imposes on the rules (empty when none is on)."""
    row = s.get(Setting, "auth_rules")
    value = row.value.get(_FLOOR_KEY) if row is not None else None
    return dict(value) if isinstance(value, dict) else {}


def floor_mode(s: Session) -> str:
    """The security mode whose floor is in force ("" when none): Enhanced Security Mode sets
    its floor here, so accounts knows the mode without reading policy's settings."""
    return str(read_floor(s).get("mode") or "")


def use_password_hash(s: Session, scheme: str, *, now: dt.datetime) -> None:
    """FIPS mode: new passwords are hashed with ``scheme`` (other rules kept), inside the
    caller's transaction."""
    merge_document(s, "auth_rules", {"password_hash": scheme}, now=now)


def _check_floor(rules: dict[str, Any], floor: dict[str, Any]) -> None:
    """Refuse rules looser than the floor: lower bounds, upper bounds, required classes and
    required booleans, each named with the value the mode requires."""
    mode = floor.get("mode", "Enhanced Security Mode")
    for key, bound in floor.items():
        if key == "mode":
            continue
        value = rules.get(key)
        label = key.replace("_", " ")
        if isinstance(bound, dict):
            lo, hi = bound.get("min"), bound.get("max")
            if (lo is not None and (value is None or value < lo)) or \
                    (hi is not None and (value is None or value > hi)):
                span = f"from {lo} to {hi}" if lo is not None and hi is not None else \
                    (f"at least {lo}" if lo is not None else f"at most {hi}")
                raise PolicyViolation(f"{mode} is on: {label} must be {span}", rule=key,
                                      value=value, field=key)
        elif isinstance(bound, list):
            missing = [c for c in bound if c not in (value or [])]
            if missing:
                raise PolicyViolation(f"{mode} is on: passwords must keep requiring "
                                      f"{', '.join(CLASS_NAMES[c] for c in missing)}",
                                      rule=key, value=value, field=key)
        elif value != bound:
            raise PolicyViolation(f"{mode} is on: {label} must stay {bound}", rule=key,
                                  value=value, field=key)


def _within(value: Any, bound: dict[str, Any]) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    lo, hi = bound.get("min"), bound.get("max")
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def set_rules_floor(s: Session, *, rules: dict[str, Any], floor: dict[str, Any] | None,
                    now: Any) -> dict[str, Any]:
    """Called by a security mode as it turns on (``floor`` given: the rules become at least
    ``rules`` and cannot be loosened below ``floor``) or off (``None``: the floor goes, the
    rules stay as they are). Returns the rules in force."""
    current = read_rules(s)
    if floor is not None:
        for key, value in rules.items():
            # A rule already at least as strict as the floor stays as it is: turning a mode
            # on never loosens what an administrator tightened.
            bound = floor.get(key)
            if isinstance(bound, dict) and _within(current.get(key), bound):
                continue
            if isinstance(bound, list) and all(c in (current.get(key) or []) for c in bound):
                continue
            current[key] = value
        _validate(current)
    row = s.get(Setting, "auth_rules")
    raw = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    s.merge(Setting(name="auth_rules", value={**raw, **current, _FLOOR_KEY: floor or {}},
                    updated_at=now))
    return current


def describe_rules(rules: dict[str, Any], *, new_account: bool = False) -> list[str]:
    """The credential policy in force, in words, as a user meets it: the checks
    :func:`check_new_password` makes, in the same terms. ``new_account``: only what an
    initial password must meet (no history, no current password to differ from, no
    minimum age)."""
    out = [f"{rules['min_length']} to {rules['max_length']} characters"]
    required = list(dict.fromkeys(rules["require_classes"] or []))
    if required:
        out.append("at least " + ", ".join(CLASS_NAMES[c] for c in required))
    if rules["check_trivial"]:
        if len(required) < 3:  # three required classes already imply "three of"
            out.append("three of: an uppercase letter, a lowercase letter, a digit, a symbol")
        out.append("not the user name or its reverse, no character four times in a row, not "
                   "all consecutive characters")
    if new_account:
        return out
    if rules["remembered_credentials"]:
        out.append(f"none of the last {rules['remembered_credentials']} passwords")
    if rules["min_char_changes"]:
        n = rules["min_char_changes"]
        out.append(f"at least {n} character{'s' if n != 1 else ''} changed from the "
                   "current password")
    if rules["credential_expiry_days"]:
        out.append(f"expires after {rules['credential_expiry_days']} days")
    if rules["min_password_age_days"]:
        out.append(f"can be changed by its user once every {rules['min_password_age_days']} "
                   "day(s)")
    return out


def new_password_rules(ctx: AppContext) -> tuple[list[str], str]:
    """What a new account's initial password must meet, in words, and the security mode
    that imposes the rules ("" when none is on)."""
    with ctx.read() as s:
        rules, floor = read_rules(s), read_floor(s)
    mode = str(floor.get("mode", "Enhanced Security Mode")) if floor else ""
    return describe_rules(rules, new_account=True), mode


# -- hashing ------------------------------------------------------------------------------

def hash_password(password: str, *, scheme: str = "argon2id") -> str:
    if scheme == "pbkdf2-sha256":
        salt = secrets.token_bytes(16)
        rounds = 600_000
        dk = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
        return f"pbkdf2-sha256${rounds}${salt.hex()}${dk.hex()}"
    return _argon.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Constant-time check against either scheme."""
    if stored.startswith("pbkdf2-sha256$"):
        try:
            _, rounds, salt, dk = stored.split("$")
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt),
                                      int(rounds))
        except ValueError:
            return False
        return hmac.compare_digest(got.hex(), dk)
    try:
        return _argon.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# -- trivial password checks (seed: "A non-trivial web application password") ---------------

def _classes(pw: str) -> int:
    return sum((any(c.isupper() for c in pw), any(c.islower() for c in pw),
                any(c.isdigit() for c in pw), any(not c.isalnum() for c in pw)))


def _all_consecutive(pw: str) -> bool:
    if len(pw) < 2:
        return False
    steps = {ord(b) - ord(a) for a, b in zip(pw.lower(), pw[1:].lower(), strict=False)}
    return steps in ({1}, {-1})


def _changed_chars(old: str, new: str) -> int:
    """Characters that differ position by position, plus the difference in length."""
    return sum(a != b for a, b in zip(old, new, strict=False)) + abs(len(old) - len(new))


def check_new_password(password: str, *, user_name: str, rules: dict[str, Any],
                       previous_plain: str | None = None,
                       history_hashes: list[str] = ()) -> None:  # type: ignore[assignment]
    """Raise one PolicyViolation (field ``password``) naming every rule the password breaks,
    so a person fixes them all at once; ``rule`` is the first, ``value`` lists them all."""
    broken: list[tuple[str, str]] = []

    def fail(rule: str, msg: str) -> None:
        broken.append((rule, msg))

    if len(password) < rules["min_length"]:
        fail("min_length", f"the password must be at least {rules['min_length']} characters")
    if len(password) > rules.get("max_length", 127):
        fail("max_length", f"the password must be at most {rules.get('max_length', 127)} "
             "characters")
    required = rules.get("require_classes") or []
    checks = {"lower": str.islower, "upper": str.isupper, "digit": str.isdigit,
              "special": lambda c: not c.isalnum()}
    missing = [c for c in required if not any(checks[c](ch) for ch in password)]
    if missing:
        fail("require_classes", "the password must contain at least "
             + ", ".join(CLASS_NAMES[c] for c in missing))
    if rules["check_trivial"]:
        if _classes(password) < 3:
            fail("trivial", "the password must contain at least three of: an uppercase letter, "
                 "a lowercase letter, a number, a symbol")
        low = password.lower()
        alias = user_name.lower()
        if alias and (alias in low or alias[::-1] in low):
            fail("trivial", "the password must not contain the user name or its reverse")
        if any(len(set(password[i:i + 4])) == 1 for i in range(len(password) - 3)):
            fail("trivial", "a character must not be used more than three times in a row")
        if _all_consecutive(password):
            fail("trivial", "the characters must not all be consecutive (like abcdef or 654321)")
    if previous_plain is not None and _changed_chars(previous_plain, password) < \
            rules["min_char_changes"]:
        fail("min_char_changes", f"change at least {rules['min_char_changes']} characters "
             "from the current password")
    if any(verify_password(old, password) for old in history_hashes):
        fail("remembered_credentials", "the password was used recently; choose a new one")
    if broken:
        raise PolicyViolation("; ".join(m for _r, m in broken), rule=broken[0][0],
                              value=[r for r, _m in broken], field="password")

