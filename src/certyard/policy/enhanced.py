"""Enhanced Security Mode (seed 002 chapter 7).

Enabling checks the seed's prerequisites and names every one that is missing: FIPS mode on,
a remote syslog server configured for the audit trail, and a security password of at least
14 characters. It then raises the credential policy to the seed's values and sets a floor
(through the accounts room) below which Authentication Rules cannot be loosened while the
mode is on: 14 to 127 characters, a lowercase letter, an uppercase letter, a digit and a
special character, 24 remembered credentials, expiry between 1 and 60 days, 4 changed
characters, the trivial-password check, and a minimum credential age of 1 day (a user
cannot cycle through the history in one sitting). The audit trail goes to syslog over TCP.

Disabling removes the floor and leaves the rules as they are: loosening a credential policy
is a separate, deliberate act in Authentication Rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from certyard import store, syslog
from certyard.accounts.rules import describe_rules, read_rules, set_rules_floor
from certyard.audit import record_event
from certyard.db.documents import merge_document, read_document
from certyard.errors import PolicyViolation

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ENHANCED_AUTH_RULES", "ENHANCED_FLOOR", "disable_enhanced", "enable_enhanced",
           "enhanced_prerequisites", "enhanced_status"]

ENHANCED_AUTH_RULES: dict[str, Any] = {
    "min_length": 14,              # 14–127 characters
    "max_length": 127,
    "require_classes": ["lower", "upper", "digit", "special"],
    "remembered_credentials": 24,
    "credential_expiry_days": 60,  # seed: between 1 and 60 days
    "min_char_changes": 4,
    "check_trivial": True,
    "min_password_age_days": 1,
    "max_sessions": 2,             # seed: telephony interface, per user
    "inactivity_days": 90,
    "password_hash": "pbkdf2-sha256",
}
ENHANCED_FLOOR: dict[str, Any] = {
    "mode": "Enhanced Security Mode",
    "min_length": {"min": 14},
    "max_length": {"max": 127},
    "require_classes": ["lower", "upper", "digit", "special"],
    "remembered_credentials": {"min": 24},
    "credential_expiry_days": {"min": 1, "max": 60},
    "min_char_changes": {"min": 4},
    "check_trivial": True,
    "min_password_age_days": {"min": 1},
    "max_sessions": {"min": 1, "max": 2},
    "inactivity_days": {"min": 1, "max": 90},
    "password_hash": "pbkdf2-sha256",
}
RESTART = ["certyard serve (sessions and login rules apply to new logins)",
           "remote syslog forwarder (TCP)"]


def enhanced_prerequisites(s: Any) -> list[str]:
    """What is missing before the mode can be enabled, each with the command that fixes it."""
    from certyard.backup import security_password_meets_fips

    missing: list[str] = []
    if not store.fips_enabled(s):
        missing.append("FIPS mode is off (certyard fips enable)")
    remote = syslog.load_syslog_settings(s)
    if not (remote.enabled and remote.host):
        missing.append("no remote syslog server is configured for the audit trail "
                       "(certyard syslog configure --host H --protocol tcp --enable)")
    if not security_password_meets_fips(s):
        missing.append("the security password is not set or shorter than 14 characters "
                       "(certyard security-password set)")
    return missing


def enhanced_status(ctx: AppContext) -> dict[str, Any]:
    with ctx.read() as s:
        rules = read_rules(s)
        return {"enabled": bool(read_document(s, "enhanced_security").get("enabled")),
                "fips": store.fips_enabled(s),
                "auth_rules": {k: rules.get(k) for k in ENHANCED_AUTH_RULES},
                "rules_in_force": describe_rules(rules),
                "prerequisites_missing": enhanced_prerequisites(s),
                "syslog_protocol": syslog.stored_protocol(s)}


def enable_enhanced(ctx: AppContext) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.transaction() as s:
        missing = enhanced_prerequisites(s)
        if missing:
            raise PolicyViolation("Enhanced Security Mode cannot be enabled yet: "
                                  + "; ".join(missing), rule="enhanced_prerequisites",
                                  value=missing)
        rules = set_rules_floor(s, rules=dict(ENHANCED_AUTH_RULES), floor=ENHANCED_FLOOR,
                                now=now)
        syslog.use_tcp(s, ctx)
        merge_document(s, "enhanced_security", {"enabled": True}, now=now)
        record_event(s, ctx, action="enhanced_security.enable", target="enhanced_security",
                     details={"auth_rules": ENHANCED_AUTH_RULES, "syslog_protocol": "tcp"})
    return {"enabled": True, "auth_rules": rules, "rules_in_force": describe_rules(rules),
            "syslog_protocol": "tcp", "restart": RESTART}


def disable_enhanced(ctx: AppContext) -> dict[str, Any]:
    with ctx.transaction() as s:
        set_rules_floor(s, rules={}, floor=None, now=ctx.clock.now())
        merge_document(s, "enhanced_security", {"enabled": False}, now=ctx.clock.now())
        record_event(s, ctx, action="enhanced_security.disable", target="enhanced_security",
                     details={})
    return {"enabled": False, "restart": RESTART,
            "note": "credential policy and syslog protocol were left as they are"}
