"""Minimum TLS version, Cipher Management and the HTTPS Ciphers option (seed 002 chapters
1 and 12, seed 001 "Cipher Management"), with the restart notices each change needs.

Stored in ``Setting("tls")`` (keys in :data:`certyard.policy.settings.TLS_DEFAULTS`). The
HTTPS and SIP strings override the All TLS string for their interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from certyard.audit import record_event
from certyard.db.documents import merge_document, read_document
from certyard.errors import InvalidInput
from certyard.policy.ciphers import (
    HTTPS_PRIORITY,
    SEED_HTTPS_PRIORITY,
    SSH_KINDS,
    TLS13_NOTE,
    resolve_tls_ciphers,
    validate_ssh_string,
)
from certyard.policy.settings import load_tls
from certyard.store import fips_enabled

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "CIPHER_INTERFACES",
    "HTTPS_OPTIONS",
    "TLS_VERSIONS",
    "PolicyChange",
    "cipher_report",
    "effective_tls_string",
    "get_tls_policy",
    "set_cipher_string",
    "set_https_cipher_option",
    "set_min_version",
]

TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
HTTPS_OPTIONS = {"rsa-only": "RSA Ciphers Only", "ec-and-rsa": "All Supported EC and RSA Ciphers"}
# CLI/API interface name → Setting("tls") key.
CIPHER_INTERFACES = {
    "all": "all_ciphers", "https": "https_ciphers", "sip": "sip_ciphers",
    "ssh-ciphers": "ssh_ciphers", "ssh-kex": "ssh_kex", "ssh-mac": "ssh_macs",
}
SERVE = "certyard serve HTTPS listener"
# Seed 001: reboot for All TLS and SSH changes, Tomcat for HTTPS, Conversation Manager for SIP.
RESTARTS: dict[str, list[str]] = {
    "min_version": [SERVE, "every TLS service on every node (via agents)"],
    "all_ciphers": [SERVE, "every TLS service on every node (via agents): SIP, SMTP, IMAP, "
                           "LDAP, HTTPS"],
    "https_ciphers": [SERVE, "HTTPS (tomcat) service on every node"],
    "sip_ciphers": ["SIP TLS service on every node"],
    "ssh_ciphers": ["sshd on every node"],
    "ssh_kex": ["sshd on every node"],
    "ssh_macs": ["sshd on every node"],
    "https_cipher_option": [SERVE, "HTTPS (tomcat) service on every node"],
}


@dataclass(frozen=True, kw_only=True)
class PolicyChange:
    """The outcome of a policy change: the new document, what must reload, what did."""

    setting: str
    value: dict[str, Any]
    restart: list[str]
    reloaded: list[str]
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"setting": self.setting, "value": self.value, "restart": self.restart,
                "reloaded": self.reloaded, "details": self.details,
                "warnings": self.warnings}


def _change(setting: str, value: dict[str, Any], key: str, **kw: Any) -> PolicyChange:
    restart = RESTARTS.get(key, [])
    # certyard's own listener watches Setting("tls").updated_at and rebuilds its SSLContext
    # for new connections, so it is reloaded without the user doing anything.
    reloaded = [SERVE] if SERVE in restart else []
    return PolicyChange(setting=setting, value=value, restart=restart, reloaded=reloaded, **kw)


def get_tls_policy(ctx: AppContext) -> dict[str, Any]:
    with ctx.read() as s:
        return load_tls(s)


def set_min_version(ctx: AppContext, version: str) -> PolicyChange:
    v = str(version).strip().removeprefix("TLS").removeprefix("v").strip()
    if v not in TLS_VERSIONS:
        raise InvalidInput(f"{version!r} is not a TLS version; choose one of "
                           f"{', '.join(TLS_VERSIONS)}", field="min_version")
    warnings = []
    if v in ("1.0", "1.1"):
        warnings.append(f"TLS {v} is obsolete (RFC 8996); allow it only for old clients")
    with ctx.transaction() as s:
        old = load_tls(s)["min_version"]
        value = merge_document(s, "tls", {"min_version": v}, now=ctx.clock.now())
        record_event(s, ctx, action="tls.min_version.set", target="tls",
                     details={"old": old, "new": v})
    return _change("tls", _with_defaults(value), "min_version", warnings=warnings)


def _with_defaults(value: dict[str, Any]) -> dict[str, Any]:
    from certyard.policy.settings import TLS_DEFAULTS

    return {**TLS_DEFAULTS, **value}


def set_cipher_string(ctx: AppContext, interface: str, string: str | None) -> PolicyChange:
    """Set (or clear, with None/"") the cipher string of one interface after validating it
    with the real OpenSSL / OpenSSH."""
    key = CIPHER_INTERFACES.get(str(interface).lower())
    if key is None:
        raise InvalidInput(f"unknown interface {interface!r}; choose one of "
                           f"{', '.join(CIPHER_INTERFACES)}", field="interface")
    text = (string or "").strip() or None
    details: dict[str, Any] = {}
    warnings: list[str] = []
    with ctx.transaction() as s:
        fips = fips_enabled(s)
        if text is not None:
            if key in SSH_KINDS:
                details["resolved"] = validate_ssh_string(key, text, fips=fips)
            else:
                resolved = resolve_tls_ciphers(text, fips=fips, field_name=key)
                details["resolved"] = resolved.to_dict()
                warnings += resolved.warnings
        value = merge_document(s, "tls", {key: text}, now=ctx.clock.now())
        record_event(s, ctx, action="tls.ciphers.set", target=key, details={"string": text})
    return _change("tls", _with_defaults(value), key, details=details, warnings=warnings)


def set_https_cipher_option(ctx: AppContext, option: str) -> PolicyChange:
    opt = str(option).strip().lower()
    if opt not in HTTPS_OPTIONS:
        raise InvalidInput(f"{option!r} is not an HTTPS Ciphers option; choose rsa-only or "
                           "ec-and-rsa", field="https_cipher_option")
    with ctx.transaction() as s:
        value = merge_document(s, "tls", {"https_cipher_option": opt}, now=ctx.clock.now())
        record_event(s, ctx, action="tls.https_ciphers.set", target="tls",
                     details={"option": opt})
    return _change("tls", _with_defaults(value), "https_cipher_option",
                   details={"label": HTTPS_OPTIONS[opt], "priority": HTTPS_PRIORITY[opt]})


SEED_NOTE = ("the HTTPS Ciphers options default to forward-secret AEAD suites only; the "
             "seed's lists (with RSA key exchange and CBC suites, marked weak) remain an "
             "explicit choice: `tls ciphers set https "
             f"'{SEED_HTTPS_PRIORITY['rsa-only']}'`")


def effective_tls_string(policy: dict[str, Any], interface: str) -> str | None:
    """The string an interface uses: its own, else All TLS; HTTPS falls back to the HTTPS
    Ciphers option's priority list."""
    own = {"https": policy.get("https_ciphers"), "sip": policy.get("sip_ciphers")}.get(interface)
    chosen = own or policy.get("all_ciphers")
    if chosen is None and interface == "https":
        chosen = HTTPS_PRIORITY[policy.get("https_cipher_option") or "rsa-only"]
    return chosen


def cipher_report(ctx: AppContext) -> dict[str, Any]:
    """Per interface: configured string, effective string and OpenSSL's resolved list."""
    with ctx.read() as s:
        policy = load_tls(s)
        fips = fips_enabled(s)
        stored = read_document(s, "tls")
    out: dict[str, Any] = {"min_version": policy["min_version"],
                           "https_cipher_option": policy["https_cipher_option"],
                           "fips": fips, "interfaces": {},
                           "notes": [TLS13_NOTE, SEED_NOTE],
                           "configured": bool(stored)}
    for iface in ("all", "https", "sip"):
        eff = effective_tls_string(policy, iface)
        entry: dict[str, Any] = {"configured": policy[CIPHER_INTERFACES[iface]],
                                 "effective": eff}
        if eff is not None:
            try:
                resolved = resolve_tls_ciphers(eff)
                entry["resolved"] = resolved.tls12
                entry["weak"] = resolved.warnings
            except InvalidInput as exc:
                entry["error"] = exc.message
        else:
            entry["resolved"] = None
            entry["note"] = "not set: OpenSSL's DEFAULT list applies"
        out["interfaces"][iface] = entry
    for iface in ("ssh-ciphers", "ssh-kex", "ssh-mac"):
        out["interfaces"][iface] = {"configured": policy[CIPHER_INTERFACES[iface]],
                                    "note": None if policy[CIPHER_INTERFACES[iface]]
                                    else "not set: OpenSSH defaults apply"}
    return out
