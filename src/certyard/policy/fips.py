"""FIPS mode (seed 002 chapter 6): enable, disable, status.

What certyard does when FIPS mode is on: new certificates and CSRs are signed with SHA-256
or stronger and never use RSA-1024 (the store enforces this via ``fips_enabled``), TLS and
SSH cipher strings may not select CHACHA20, and password hashing uses PBKDF2-SHA256. What
it does NOT do is claim a FIPS 140 validation: :func:`openssl_fips_status` reports whether
the OpenSSL linked by Python (and the one inside ``cryptography``) has a FIPS provider
active, and says so when it does not.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from certyard import store
from certyard.accounts.rules import use_password_hash
from certyard.audit import record_event
from certyard.db.documents import read_document
from certyard.db.models import Node, StoreEntry
from certyard.errors import PolicyViolation
from certyard.policy.settings import load_tls
from certyard.policy.tls import CIPHER_INTERFACES

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["FipsResult", "disable_fips", "enable_fips", "fips_status", "noncompliant_entries",
           "openssl_fips_status"]

FIPS_RESTART = ["certyard serve HTTPS listener", "every TLS and SSH service on every node "
                "(seed: the server restarts after FIPS mode changes)"]


def openssl_fips_status() -> dict[str, Any]:
    """Whether a FIPS provider is active in the OpenSSL that ``ssl`` and ``cryptography``
    use. Read from the libraries themselves, not assumed."""
    import ssl

    out: dict[str, Any] = {"ssl_openssl": ssl.OPENSSL_VERSION, "ssl_fips_provider": None,
                           "cryptography_fips": None}
    try:
        import _ssl

        lib = ctypes.CDLL(_ssl.__file__)
        avail = lib.OSSL_PROVIDER_available
        avail.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        out["ssl_fips_provider"] = bool(avail(None, b"fips"))
    except (OSError, AttributeError):
        pass  # OpenSSL < 3 or a build without providers: unknown, reported as null
    try:
        from cryptography.hazmat.backends.openssl.backend import backend

        out["cryptography_openssl"] = backend.openssl_version_text()
        out["cryptography_fips"] = bool(backend._fips_enabled)
    except Exception:  # private attribute; its absence only means "unknown"
        out["cryptography_fips"] = None
    active = bool(out["ssl_fips_provider"]) and bool(out["cryptography_fips"])
    out["validated_module_active"] = active
    out["statement"] = (
        "A FIPS provider is active in the linked OpenSSL." if active else
        "No FIPS provider is active in the linked OpenSSL: certyard enforces FIPS-approved "
        "algorithm choices but the cryptographic module is not running in a FIPS 140 "
        "validated mode.")
    return out


@dataclass(frozen=True, kw_only=True)
class FipsResult:
    enabled: bool
    noncompliant: list[dict[str, Any]] = field(default_factory=list)
    regenerated: list[dict[str, Any]] = field(default_factory=list)
    restart: list[str] = field(default_factory=list)
    openssl: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "noncompliant": self.noncompliant,
                "regenerated": self.regenerated, "restart": self.restart,
                "openssl": self.openssl, "warnings": self.warnings}


def noncompliant_entries(s: Any) -> list[dict[str, Any]]:
    """Identity and trust certificates signed with SHA-1 (or MD5) or with an RSA key under
    2048 bits: they must be regenerated (seed: root and tomcat certificates)."""
    rows = s.execute(
        select(StoreEntry, Node.name).outerjoin(Node, Node.id == StoreEntry.node_id)
        .where(StoreEntry.type.in_(("identity", "trust")))
        .where(or_(StoreEntry.signature_hash.in_(("SHA1", "MD5")),
                   (StoreEntry.key_type == "RSA") & (StoreEntry.key_size < 2048)))
        .order_by(StoreEntry.id)).all()
    out = []
    for row, node in rows:
        why = []
        if row.signature_hash in ("SHA1", "MD5"):
            why.append(f"{row.signature_hash} signature")
        if row.key_type == "RSA" and row.key_size < 2048:
            why.append(f"RSA-{row.key_size} key")
        out.append({"id": row.id, "type": row.type, "purpose": row.purpose, "node": node,
                    "common_name": row.common_name, "reasons": why,
                    "regenerable": row.type == "identity" and row.self_signed})
    return out


def fips_status(ctx: AppContext) -> FipsResult:
    with ctx.read() as s:
        enabled = store.fips_enabled(s)
        bad = noncompliant_entries(s) if enabled else []
    return FipsResult(enabled=enabled, noncompliant=bad, openssl=openssl_fips_status())


def enable_fips(ctx: AppContext, *, regenerate: bool = False) -> FipsResult:
    """Turn FIPS mode on. Refused while a configured cipher string selects CHACHA20.
    With ``regenerate``, every non-compliant self-signed identity is regenerated."""
    from certyard.backup import security_password_meets_fips
    from certyard.ipsec.policies import fips_switch_steps, recertify_steps

    warnings: list[str] = []
    with ctx.transaction() as s:
        if not security_password_meets_fips(s):
            raise PolicyViolation("FIPS mode needs a security password of at least 14 "
                                  "characters; set it first (certyard security-password set)",
                                  rule="security_password_length")
        steps = fips_switch_steps(s)
        if steps:
            # Seed 002 ch. 6: disable such policies BEFORE moving to FIPS mode.
            raise PolicyViolation("disable these IPsec policies before enabling FIPS mode: "
                                  + "; ".join(steps), rule="fips_ipsec_order", value=steps)
        warnings.extend(recertify_steps(s))
        policy = load_tls(s)
        for iface, key in CIPHER_INTERFACES.items():
            value = policy.get(key)
            if value and "CHACHA20" in value.upper() and "!CHACHA20" not in value.upper():
                raise PolicyViolation(
                    f"the {iface} cipher string names CHACHA20, which FIPS mode forbids; "
                    f"change it first (`certyard tls ciphers set {iface} ...`)",
                    rule="fips_cipher", value=value)
        store.set_fips_mode(s, enabled=True, now=ctx.clock.now())
        # FIPS-approved password hashing (the accounts room's rule; other rules kept).
        use_password_hash(s, "pbkdf2-sha256", now=ctx.clock.now())
        record_event(s, ctx, action="fips.enable", target="fips",
                     details={"regenerate": regenerate})
        bad = noncompliant_entries(s)
        targets = [(e["purpose"], e["node"]) for e in bad if e["regenerable"] and e["node"]]
    regenerated = []
    if regenerate:
        for purpose, node in dict.fromkeys(targets):
            result = store.generate_self_signed(ctx, purpose, node=node, hash_name="SHA256",
                                                key_length=None)
            regenerated.append({"purpose": purpose, "node": node,
                                "id": result.entries[0].id})
        with ctx.read() as s:
            bad = noncompliant_entries(s)
    elif bad:
        warnings.append(f"{len(bad)} certificate(s) do not comply with FIPS mode; run "
                        "`certyard fips enable --regenerate` to regenerate the self-signed "
                        "ones, and replace the others")
    return FipsResult(enabled=True, noncompliant=bad, regenerated=regenerated,
                      restart=FIPS_RESTART, openssl=openssl_fips_status(), warnings=warnings)


def disable_fips(ctx: AppContext) -> FipsResult:
    from certyard.ipsec.policies import fips_switch_steps, recertify_steps

    with ctx.transaction() as s:
        if read_document(s, "enhanced_security").get("enabled"):
            raise PolicyViolation("Enhanced Security Mode requires FIPS mode; disable "
                                  "Enhanced Security Mode first", rule="enhanced_requires_fips")
        store.set_fips_mode(s, enabled=False, now=ctx.clock.now())
        record_event(s, ctx, action="fips.disable", target="fips", details={})
        steps = [w for w in fips_switch_steps(s) if "certificate-based" in w]
        steps += recertify_steps(s)
    return FipsResult(enabled=False, restart=FIPS_RESTART, openssl=openssl_fips_status(),
                      warnings=steps)
