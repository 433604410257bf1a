"""Signing ``cryptography`` builders with any :class:`Signer`.

``cryptography`` signs only with its own key objects. For a signer without one (a token),
the builder signs once with a throwaway key of the same type (same curve; for RSA any
size, as sha256WithRSAEncryption has no size in it), which yields the exact TBS bytes
including the signatureAlgorithm; the TBS is then signed by the real signer and the outer
structure re-assembled (``der.replace_signature``). Signers that hold a ``cryptography``
key keep the direct path, so file-key issuance costs what it did.
"""

from __future__ import annotations

import threading
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from certyard.ca.signing import der
from certyard.ca.signing.base import hash_for

__all__ = ["sign_certificate", "sign_crl", "sign_ocsp_response", "signing_hash"]

_THROWAWAY: dict[str, Any] = {}
_LOCK = threading.Lock()
_CURVES: dict[int, Any] = {256: ec.SECP256R1, 384: ec.SECP384R1, 521: ec.SECP521R1}


def _direct_key(signer: Any) -> Any | None:
    """The ``cryptography`` key to sign with directly, if the signer has one."""
    if isinstance(signer, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        return signer
    return getattr(signer, "private_key", None)


def signing_hash(signer: Any) -> Any:
    key = _direct_key(signer)
    if key is not None:
        return hash_for(key.public_key())
    return signer.hash_algorithm


def _throwaway(public_key: Any) -> Any:
    if isinstance(public_key, rsa.RSAPublicKey):
        name = "rsa"
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        name = f"ec-{public_key.curve.name}"
    else:
        raise TypeError(f"unsupported CA key type {type(public_key).__name__}")
    key = _THROWAWAY.get(name)
    if key is None:
        with _LOCK:
            key = _THROWAWAY.get(name)
            if key is None:
                if name == "rsa":
                    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                else:
                    key = ec.generate_private_key(_CURVES[public_key.curve.key_size]())
                _THROWAWAY[name] = key
    return key


def _resign(signed_der: bytes, signer: Any) -> bytes:
    return der.replace_signature(signed_der, signer.sign(der.tbs_of(signed_der)))


def sign_certificate(builder: x509.CertificateBuilder, signer: Any) -> x509.Certificate:
    key = _direct_key(signer)
    if key is not None:
        return builder.sign(key, hash_for(key.public_key()))
    draft = builder.sign(_throwaway(signer.public_key()), signer.hash_algorithm)
    return x509.load_der_x509_certificate(_resign(draft.public_bytes(Encoding.DER), signer))


def sign_crl(builder: x509.CertificateRevocationListBuilder,
             signer: Any) -> x509.CertificateRevocationList:
    key = _direct_key(signer)
    if key is not None:
        return builder.sign(key, hash_for(key.public_key()))
    draft = builder.sign(_throwaway(signer.public_key()), signer.hash_algorithm)
    return x509.load_der_x509_crl(_resign(draft.public_bytes(Encoding.DER), signer))


def _stand_in(responder: x509.Certificate, key: Any) -> x509.Certificate:
    """A certificate for the throwaway key under the responder's name: the OCSP builder
    insists that the responder certificate matches the key it signs with."""
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(responder.subject)
            .issuer_name(responder.subject).public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hash_for(key.public_key())))


def sign_ocsp_response(builder: ocsp.OCSPResponseBuilder, signer: Any, *,
                       responder: x509.Certificate,
                       encoding: ocsp.OCSPResponderEncoding = ocsp.OCSPResponderEncoding.HASH,
                       ) -> ocsp.OCSPResponse:
    """Set the ResponderID from ``responder`` and sign. Without a direct key: the draft is
    signed by a throwaway key (with a stand-in responder certificate), its byKey
    ResponderID replaced by the real key's hash, the tbsResponseData signed by the signer.
    OCSPResponse ::= SEQUENCE { responseStatus, [0] EXPLICIT ResponseBytes }, and
    ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING (the
    BasicOCSPResponse) }."""
    key = _direct_key(signer)
    if key is not None:
        return builder.responder_id(encoding, responder).sign(key, hash_for(key.public_key()))
    throwaway = _throwaway(signer.public_key())
    draft = builder.responder_id(encoding, _stand_in(responder, throwaway)).sign(
        throwaway, signer.hash_algorithm)
    outer = der.elements(draft.public_bytes(Encoding.DER))
    if len(outer) != 2:
        raise der.DerError("an OCSP response without responseBytes")
    (explicit,) = der.elements(outer[1], expect=0xA0)
    response_type, basic_octets = der.elements(explicit)
    _, start, end = der.tlv(basic_octets)
    basic = der.elements(basic_octets[start:end])
    tbs = der.elements(basic[0])
    at = 1 if tbs[0][0] == 0xA0 else 0  # an explicit version comes first
    if tbs[at][0] == 0xA2:  # byKey: SHA-1 of the real key's subjectPublicKey bits
        real = x509.SubjectKeyIdentifier.from_public_key(signer.public_key()).digest
        tbs[at] = der.encode(0xA2, der.octet_string(real))
    new_tbs = der.sequence(*tbs)
    signed = der.sequence(new_tbs, basic[1], der.bit_string(signer.sign(new_tbs)), *basic[3:])
    rebuilt = der.sequence(outer[0], der.encode(0xA0, der.sequence(
        response_type, der.octet_string(signed))))
    return ocsp.load_der_ocsp_response(rebuilt)
