"""Enhanced Security Mode (seed 002 chapter 7). Requires FIPS mode.

Enabling writes the seed's credential policy into ``Setting("auth_rules")`` (owned by the
accounts room; keys merged, others kept) and TCP into ``Setting("syslog")["protocol"]``.
Disabling turns the mode off but leaves those rules as they are: loosening a credential
policy is a separate, deliberate act in Authentication Rules.
"""

from __future__ import annotations

from typing import Any

from certyard import store
from certyard.audit import record_event
from certyard.errors import PolicyViolation
from certyard.policy.store import load_setting, merge_setting

__all__ = ["ENHANCED_AUTH_RULES", "disable_enhanced", "enable_enhanced", "enhanced_status"]

ENHANCED_AUTH_RULES: dict[str, Any] = {
    "min_length": 14,              # 14–127 characters
    "max_length": 127,
    "require_classes": ["lower", "upper", "digit", "special"],
    "remembered_credentials": 24,
    "credential_expiry_days": 60,  # seed: between 1 and 60 days
    "min_char_changes": 4,
    "check_trivial": True,
    "max_sessions": 2,             # seed: telephony interface, per user
    "max_sessions_imap": 5,        # seed: IMAP interface, per user
    "inactivity_days": 90,
    "password_hash": "pbkdf2-sha256",
}
RESTART = ["certyard serve (sessions and login rules apply to new logins)",
           "remote syslog forwarder (TCP)"]


def enhanced_status(ctx: Any) -> dict[str, Any]:
    with ctx.read() as s:
        return {"enabled": bool(load_setting(s, "enhanced_security").get("enabled")),
                "fips": store.fips_enabled(s),
                "auth_rules": {k: load_setting(s, "auth_rules").get(k)
                               for k in ENHANCED_AUTH_RULES},
                "syslog_protocol": load_setting(s, "syslog").get("protocol")}


def enable_enhanced(ctx: Any) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.transaction() as s:
        if not store.fips_enabled(s):
            raise PolicyViolation("Enhanced Security Mode requires FIPS mode; run "
                                  "`certyard fips enable` first", rule="enhanced_requires_fips")
        rules = merge_setting(s, "auth_rules", dict(ENHANCED_AUTH_RULES), now=now)
        merge_setting(s, "syslog", {"protocol": "tcp"}, now=now)
        merge_setting(s, "enhanced_security", {"enabled": True}, now=now)
        record_event(s, ctx, action="enhanced_security.enable", target="enhanced_security",
                     details={"auth_rules": ENHANCED_AUTH_RULES, "syslog_protocol": "tcp"})
    return {"enabled": True, "auth_rules": rules, "syslog_protocol": "tcp", "restart": RESTART}


def disable_enhanced(ctx: Any) -> dict[str, Any]:
    with ctx.transaction() as s:
        merge_setting(s, "enhanced_security", {"enabled": False}, now=ctx.clock.now())
        record_event(s, ctx, action="enhanced_security.disable", target="enhanced_security",
                     details={})
    return {"enabled": False, "restart": RESTART,
            "note": "credential policy and syslog protocol were left as they are"}
