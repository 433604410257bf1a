"""Signed trust lists as JWS (RFC 7515, compact serialization), verification and pinning.

Why JWS and not CMS: ``cryptography`` can build CMS SignedData but has no API to verify it,
and the agent and ``certyard trustlist verify`` must verify. The JWS container is built and
checked by ``joserfc`` (the JOSE library the ACME room uses too); this module adds what is
certyard's own: the payload, the signer pinning and the acceptance rules. The list is::

    BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature)

    header  = {"alg": "ES384", "typ": "certyard-trust-list+jws",
               "kid": <SHA-256 of the signer certificate>, "x5c": [<signer cert, base64 DER>]}
    payload = {"type": "certyard-trust-list", "version": N, "cluster": ..., "issued_at": ...,
               "signers": [<SHA-256 of every certificate allowed to sign the next list>],
               "records": [{"role", "certificate" (base64 DER), "subject", "issuer",
                            "serial", "fingerprint"}, ...]}

Acceptance rules (seed 003, CTL/ITL): with nothing pinned the first valid list is accepted
(trust on first use) and its ``signers`` are pinned; afterwards a list is accepted only if
it is signed by a pinned signer and its version is not lower than the pinned one (the same
version must be byte-identical). Accepting a list pins its ``signers``, so a key rollover is
a list signed by the old key that names the new one.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from certyard.errors import InvalidFile
from certyard.hostutil.files import atomic_write

__all__ = ["TrustListRejected", "VerifiedList", "accept_list", "parse_list", "sign_list"]

TYP = "certyard-trust-list+jws"
ALG = "ES384"


def _registry() -> Any:  # joserfc.jws.JWSRegistry; joserfc is imported on first use
    """ES384 only. joserfc's default size limits (512-byte header, 128 kB payload) suit
    tokens, not a trust list: the header carries the signer certificate and the payload
    every trusted certificate of the cluster."""
    from joserfc import jws

    registry = jws.JWSRegistry(algorithms=[ALG])
    registry.max_header_length = 64 * 1024
    registry.max_payload_length = 256 * 1024 * 1024
    return registry


class TrustListRejected(InvalidFile):
    """A trust list that fails verification: tampered, unknown signer, older version."""

    code = "trust_list_rejected"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise TrustListRejected("the trust list is not valid base64url", reason="format") from None


def cert_fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def _private_key(key: Any) -> ec.EllipticCurvePrivateKey:
    """``key``: an EC P-384 private key, or a file-key signer (``ca.signing``) holding one."""
    inner = key if isinstance(key, ec.EllipticCurvePrivateKey) else \
        getattr(key, "private_key", None)
    if not isinstance(inner, ec.EllipticCurvePrivateKey) or \
            not isinstance(inner.curve, ec.SECP384R1):
        raise TypeError("trust lists are signed with an EC P-384 file key")
    return inner


def sign_list(payload: dict[str, Any], *, key: Any, cert: x509.Certificate) -> bytes:
    """The compact JWS of ``payload`` signed with ``key`` (ES384), ``cert`` in ``x5c``."""
    header = {"alg": ALG, "typ": TYP, "kid": cert_fingerprint(cert),
              "x5c": [base64.b64encode(cert.public_bytes(Encoding.DER)).decode()]}
    from joserfc import jws
    from joserfc.jwk import ECKey

    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    token = jws.serialize_compact(header, body, ECKey.import_key(_private_key(key)),
                                  registry=_registry())
    return token.encode()


@dataclass(frozen=True, kw_only=True)
class VerifiedList:
    version: int
    signer: str
    signers: list[str]
    records: list[dict[str, Any]]
    digest: str
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "signer": self.signer, "signers": self.signers,
                "digest": self.digest, "records": len(self.records)}


def _header(text: str) -> tuple[dict[str, Any], x509.Certificate]:
    """The protected header (not yet verified) and the signer certificate in its ``x5c``."""
    try:
        header = json.loads(_unb64(text.split(".", 1)[0]))
        cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    except TrustListRejected:
        raise
    except Exception:  # hostile input: any parse failure is one clear error
        raise TrustListRejected("the trust list header or payload cannot be read",
                                reason="format") from None
    return header, cert


def parse_list(data: bytes) -> VerifiedList:
    """Check structure and signature (not yet whether the signer is trusted)."""
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise TrustListRejected("the trust list is not a JWS (binary data)",
                                reason="format") from None
    if text.count(".") != 2:
        raise TrustListRejected("the trust list is not a compact JWS (3 parts)", reason="format")
    header, cert = _header(text)
    if header.get("alg") != ALG or header.get("typ") != TYP:
        raise TrustListRejected("unsupported trust list algorithm or type", reason="format")
    try:
        public = cert.public_key()
    except Exception:  # a malformed or unsupported key in the signer certificate
        raise TrustListRejected("the trust list's signer certificate has an unusable key",
                                reason="signature") from None
    if not isinstance(public, ec.EllipticCurvePublicKey) or \
            not isinstance(public.curve, ec.SECP384R1):
        raise TrustListRejected("the trust list signature is malformed", reason="signature")
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    try:
        obj = jws.deserialize_compact(text, ECKey.import_key(public), registry=_registry())
        payload = json.loads(obj.payload)
    except JoseError as e:
        if e.error == "bad_signature":
            raise TrustListRejected("the trust list signature does not verify (tampered?)",
                                    reason="signature") from None
        raise TrustListRejected("the trust list header or payload cannot be read",
                                reason="format") from None
    except (ValueError, TypeError, KeyError, AttributeError):  # not base64url or JSON
        raise TrustListRejected("the trust list header or payload cannot be read",
                                reason="format") from None
    signer = cert_fingerprint(cert)
    if not isinstance(payload, dict) or payload.get("type") != "certyard-trust-list" \
            or not isinstance(payload.get("version"), int) \
            or not isinstance(payload.get("records"), list) \
            or not isinstance(payload.get("signers"), list):
        raise TrustListRejected("the trust list payload is incomplete", reason="format")
    for rec in payload["records"]:
        der = base64.b64decode(rec.get("certificate", ""))
        if hashlib.sha256(der).hexdigest() != rec.get("fingerprint"):
            raise TrustListRejected("a record's fingerprint does not match its certificate",
                                    reason="format")
    if signer not in payload["signers"]:
        raise TrustListRejected("the signer is not named in the list's own signers",
                                reason="signer")
    return VerifiedList(version=payload["version"], signer=signer,
                        signers=[str(x) for x in payload["signers"]],
                        records=payload["records"], payload=payload,
                        digest=hashlib.sha256(text.encode()).hexdigest())


def accept_list(data: bytes, pin_file: Path) -> tuple[VerifiedList, str]:
    """Verify against the pinned state in ``pin_file`` and, if accepted, update the pin.
    Returns the list and how it was accepted: ``first-use``, ``newer`` or ``unchanged``."""
    vl = parse_list(data)
    pin: dict[str, Any] | None = None
    if pin_file.exists():
        try:
            pin = json.loads(pin_file.read_text())
        except ValueError:
            raise TrustListRejected(f"{pin_file} is corrupt; refusing to re-trust on first use",
                                    reason="pin") from None
    if pin is None:
        how = "first-use"
    else:
        if vl.signer not in pin.get("signers", []):
            raise TrustListRejected("the trust list is signed by a key the pinned list does not "
                                    "name", reason="signer")
        if vl.version < int(pin["version"]):
            raise TrustListRejected(f"the trust list version {vl.version} is older than the "
                                    f"pinned version {pin['version']}", reason="older")
        if vl.version == int(pin["version"]):
            if vl.digest != pin.get("digest"):
                raise TrustListRejected(f"a different list with the pinned version {vl.version}",
                                        reason="older")
            return vl, "unchanged"
        how = "newer"
    atomic_write(pin_file, json.dumps({"version": vl.version, "signers": vl.signers,
                                       "digest": vl.digest}, indent=1).encode(), mode=0o600)
    return vl, how
