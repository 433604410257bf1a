"""FIPS mode rules for the built-in CA (seed 002 chapter 6).

When FIPS mode is on (``certyard.store.fips_enabled``), the CA only works with
FIPS-approved choices: keys RSA >= 2048 bits or EC on NIST P-256/P-384/P-521, and
signatures with SHA-256 or stronger. That covers the CA's own key and certificate (``ca
init`` choices, ``ca import``, and the active issuing CA at every issuance, since it may
have been imported before FIPS mode was turned on) and every CSR (its key, and the hash it
was signed with: a SHA-1 or SHA-224 request is refused rather than silently re-signed;
SHA-1 is refused in any mode, as ``cryptography`` cannot verify it).

With the CA setting ``fips_require_token`` (``certyard ca config --fips-require-token``)
FIPS mode also requires the CA keys to live in a PKCS#11 token: ``ca init``/``ca import``
without ``--pkcs11`` and issuance from a sealed file key are refused.

certyard's own signatures already use SHA-256/384 (``ca.build.signing_hash``). The SHA-1
in OCSP CertIDs is an identifier hash that clients choose, not a signature, so the
responder keeps answering it.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certyard.errors import PolicyForbids, PolicyViolation, WeakAlgorithm

__all__ = ["APPROVED_CURVES", "APPROVED_HASHES", "check_ca", "check_csr_fips",
           "check_init_choice", "check_public_key", "check_token_rule", "token_rule_conflict"]

APPROVED_CURVES = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}
APPROVED_HASHES = ("sha256", "sha384", "sha512", "sha3-256", "sha3-384", "sha3-512")
MIN_RSA = 2048


def check_init_choice(key_type: str, key_size: int, *, choices: str = "") -> None:
    """``ca init``: refuse a key type/size FIPS mode does not approve; ``choices`` names
    what ``ca init`` offers (all approved), so the message points at a size that works."""
    kt = key_type.upper()
    if kt == "RSA" and key_size >= MIN_RSA:
        return
    if kt == "EC" and key_size in APPROVED_CURVES.values():
        return
    raise WeakAlgorithm(f"FIPS mode is on: a {kt}-{key_size} CA key is not FIPS-approved; "
                        + (f"choose {choices}" if choices else
                           f"use RSA >= {MIN_RSA} or EC P-256/P-384/P-521"),
                        field="key_size")


def check_public_key(key: Any, what: str) -> None:
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA:
            raise WeakAlgorithm(f"FIPS mode is on: {what} has an RSA-{key.key_size} key "
                                f"(minimum RSA-{MIN_RSA})")
        return
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in APPROVED_CURVES:
            raise WeakAlgorithm(f"FIPS mode is on: {what} uses the curve {key.curve.name}, "
                                "which is not FIPS-approved (P-256/P-384/P-521)")
        return
    raise WeakAlgorithm(f"FIPS mode is on: {what} has a {type(key).__name__} key, which "
                        "the CA does not accept in FIPS mode")


def _check_hash(algo: Any, what: str) -> None:
    name = getattr(algo, "name", None)
    if name not in APPROVED_HASHES:
        shown = (name or "no").upper()
        raise WeakAlgorithm(f"FIPS mode is on: {what} is signed with {shown}; SHA-256 or "
                            "stronger is required")


def check_csr_fips(csr: x509.CertificateSigningRequest) -> None:
    """A request's key and the hash its self-signature uses."""
    check_public_key(csr.public_key(), "the CSR")
    _check_hash(csr.signature_hash_algorithm, "the CSR")


def check_ca(cert: x509.Certificate) -> None:
    """The CA's certificate: its key and the hash it is signed with."""
    what = f"the CA certificate '{cert.subject.rfc4514_string()}'"
    check_public_key(cert.public_key(), what)
    _check_hash(cert.signature_hash_algorithm, what)


_RULE_FIX = ("turn the rule off (certyard ca config --no-fips-require-token), or run a "
             "CA whose key is in a token (ca init/import --pkcs11)")


def check_token_rule(s: Any, in_token: bool, *, issuing: bool = False) -> None:
    """FIPS mode with ``fips_require_token``: the CA key must be in a PKCS#11 token. At
    ``ca init``/``ca import`` the choice is the user's (PolicyViolation, exit 2: add
    --pkcs11); at issuance nothing typed is wrong, the setting forbids it (PolicyForbids,
    exit 6, HTTP 403)."""
    if in_token:
        return
    from certyard.ca.config import load_settings
    from certyard.store import fips_enabled

    if not (load_settings(s).fips_require_token and fips_enabled(s)):
        return
    if issuing:
        raise PolicyForbids("issuance refused: FIPS mode requires the CA key to be in a "
                            "PKCS#11 token (fips_require_token) and the issuing CA's key is "
                            f"a sealed file; {_RULE_FIX}", rule="fips_require_token",
                            value=False)
    raise PolicyViolation("FIPS mode requires the CA key to be in a PKCS#11 token "
                          "(fips_require_token); use --pkcs11", rule="fips_require_token",
                          value=False)


def token_rule_conflict(s: Any) -> str | None:
    """Why turning ``fips_require_token`` on would stop issuance (the active issuing CA's
    key is a sealed file), or None. Says whether FIPS mode is on now."""
    from sqlalchemy import select

    from certyard.ca.signing import is_token_row
    from certyard.db.models import PrivateKey
    from certyard.db.models.ca import CaCertificate
    from certyard.store import fips_enabled

    row = s.scalar(select(CaCertificate).where(
        CaCertificate.active.is_(True), CaCertificate.role.in_(("issuing", "root+issuing"))))
    if row is None or row.private_key_id is None:
        return None
    key = s.get(PrivateKey, row.private_key_id)
    if key is None or is_token_row(key):
        return None
    when = ("FIPS mode is on, so issuance will be refused at once" if fips_enabled(s)
            else "issuance will be refused as soon as FIPS mode is turned on")
    return (f"the issuing CA's key ({row.subject}) is a sealed file, not in a PKCS#11 token: "
            f"with fips_require_token {when}; {_RULE_FIX}")
