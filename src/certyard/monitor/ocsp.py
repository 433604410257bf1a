"""Revocation protocols as functions on `cryptography` objects: an OCSP client that trusts a
response only after checking it, and a CRL fetcher. No database here.

An OCSP response is accepted only if
* it answers for this certificate (serial and issuer hashes) and carries our nonce when it
  carries one at all (a replayed answer carries someone else's);
* thisUpdate is not in the future and nextUpdate (or, without one, thisUpdate + max age) is
  not in the past;
* its signature verifies with a responder certificate that is either a trust anchor itself
  (the seed: "upload the OCSP responder certificate to tomcat-trust") or a delegated
  responder with id-kp-OCSPSigning issued by the certificate's issuer, which is itself a
  trust anchor.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from certyard.monitor.egress import Blocked, EgressPolicy, check_destination, generic_detail

__all__ = ["RevocationAnswer", "check_crl", "check_ocsp", "crl_urls", "ocsp_urls",
           "verify_signed_by"]

log = logging.getLogger("certyard.monitor.ocsp")
_PUBLIC_ONLY = EgressPolicy()

SKEW = dt.timedelta(minutes=5)
MAX_AGE_WITHOUT_NEXT_UPDATE = dt.timedelta(days=1)
MAX_OCSP_BYTES = 1024 * 1024
MAX_CRL_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class RevocationAnswer:
    status: str  # good | revoked | unknown | error
    source: str  # ocsp | crl | none
    url: str = ""
    detail: str = ""
    this_update: dt.datetime | None = None
    next_update: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in self.__dict__.items()}


class _Reject(Exception):
    """A response that must not be believed; the message says why."""


def ocsp_urls(cert: x509.Certificate) -> list[str]:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [d.access_location.value for d in aia
            if d.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(d.access_location, x509.UniformResourceIdentifier)
            and d.access_location.value.startswith(("http://", "https://"))]


def crl_urls(cert: x509.Certificate) -> list[str]:
    try:
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [n.value for dp in cdp for n in (dp.full_name or [])
            if isinstance(n, x509.UniformResourceIdentifier)
            and n.value.startswith(("http://", "https://"))]


def verify_signed_by(signer: x509.Certificate, signature: bytes, data: bytes,
                     algorithm: hashes.HashAlgorithm | None) -> bool:
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            assert algorithm is not None
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            assert algorithm is not None
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, AssertionError, TypeError, ValueError):
        return False
    return True


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    return verify_signed_by(parent, child.signature, child.tbs_certificate_bytes,
                            child.signature_hash_algorithm)


def _fp(c: x509.Certificate) -> bytes:
    return c.fingerprint(hashes.SHA256())


def _is_signer(resp: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if resp.responder_name is not None:
        return cert.subject == resp.responder_name
    # ResponderID byKey is the SHA-1 of the subjectPublicKey, as in the SKI method 1.
    return resp.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        cert.public_key()).digest  # type: ignore[arg-type]


def _trusted_signer(resp: ocsp.OCSPResponse, issuer: x509.Certificate,
                    anchors: list[x509.Certificate]) -> x509.Certificate:
    anchor_fps = {_fp(a) for a in anchors}
    candidates = [issuer, *resp.certificates, *anchors]
    for c in candidates:
        if not _is_signer(resp, c):
            continue
        if not verify_signed_by(c, resp.signature, resp.tbs_response_bytes,
                                resp.signature_hash_algorithm):
            continue
        if _fp(c) in anchor_fps:
            return c  # the issuer or a locally trusted responder, in the trust store
        try:
            eku = c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            eku = []  # type: ignore[assignment]
        if ExtendedKeyUsageOID.OCSP_SIGNING in eku and _issued_by(c, issuer) \
                and _fp(issuer) in anchor_fps:
            return c  # delegated responder of a trusted issuer
        raise _Reject(f"the response is signed by '{c.subject.rfc4514_string()}', which is "
                      "neither in the trust store nor a delegated OCSP signer of the issuer")
    raise _Reject("the response signature does not verify with any trusted responder key")


def _fetch(method: str, url: str, egress: EgressPolicy, timeout: float, limit: int,
           body: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
    """One request to the checked address of ``url`` (no redirects). Every failure is a
    ``Blocked`` with a reason code; what the peer answered goes to the log only."""
    target = check_destination(url, egress)
    t = httpx.Timeout(timeout, connect=timeout)
    ext = {"sni_hostname": target.server_name} if target.server_name else {}
    try:
        with httpx.Client(timeout=t, follow_redirects=False, trust_env=False) as client, \
                client.stream(method, target.url, content=body, extensions=ext,
                              headers={**(headers or {}), "Host": target.host_header}) as r:
            if r.status_code != 200:
                raise Blocked("refused", f"HTTP {r.status_code}")
            data = b""
            for chunk in r.iter_bytes():
                data += chunk
                if len(data) > limit:
                    raise Blocked("too_large", f"response larger than {limit} bytes")
            return data
    except httpx.TimeoutException as exc:
        raise Blocked("timeout", f"no answer within {timeout:g} s") from exc
    except (httpx.HTTPError, OSError) as exc:
        raise Blocked("unreachable", f"{type(exc).__name__}: {exc}") from exc


def _blocked(source: str, url: str, exc: Blocked) -> RevocationAnswer:
    log.warning("revocation %s fetch of %s failed (%s): %s", source, url[:300], exc.code,
                exc.log_detail)
    return RevocationAnswer(status="error", source=source, url=url,
                            detail=generic_detail(exc.code))


def check_ocsp(cert: x509.Certificate, issuer: x509.Certificate, url: str, *,
               anchors: list[x509.Certificate], now: dt.datetime,
               timeout: float = 10.0, egress: EgressPolicy = _PUBLIC_ONLY) -> RevocationAnswer:
    """Ask one responder; every failure is an ``error`` answer with a one-line reason.
    ``egress`` decides where the request may go (see ``certyard.monitor.egress``)."""
    nonce = os.urandom(16)
    # SHA-1 CertID: what RFC 5019 responders (openssl ocsp included) are required to match.
    req = (ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303
           .add_extension(x509.OCSPNonce(nonce), critical=False).build())
    try:
        raw = _fetch("POST", url, egress, timeout, MAX_OCSP_BYTES,
                     body=req.public_bytes(serialization.Encoding.DER),
                     headers={"Content-Type": "application/ocsp-request"})
        try:
            resp = ocsp.load_der_ocsp_response(raw)
        except ValueError as exc:
            raise Blocked("malformed", f"not an OCSP response: {exc}") from None
        if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise _Reject(f"responder answered {resp.response_status.name}")
        try:
            got = resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            got = None
        if got is not None and got != nonce:
            raise _Reject("the response nonce does not match the request (replayed answer)")
        _trusted_signer(resp, issuer, anchors)
        single = None
        for sr in resp.responses:
            if sr.serial_number == cert.serial_number and \
                    sr.issuer_key_hash == req.issuer_key_hash and \
                    sr.issuer_name_hash == req.issuer_name_hash:
                single = sr
        if single is None:
            raise _Reject("the response does not cover this certificate")
        this_u, next_u = single.this_update_utc, single.next_update_utc
        if this_u > now + SKEW:
            raise _Reject(f"thisUpdate {this_u:%Y-%m-%d %H:%M} is in the future")
        if next_u is not None and next_u < now - SKEW:
            raise _Reject(f"stale response: nextUpdate {next_u:%Y-%m-%d %H:%M} is past")
        if next_u is None and this_u < now - MAX_AGE_WITHOUT_NEXT_UPDATE:
            raise _Reject(f"stale response: thisUpdate {this_u:%Y-%m-%d %H:%M}, no nextUpdate")
    except _Reject as e:
        return RevocationAnswer(status="error", source="ocsp", url=url, detail=str(e))
    except Blocked as e:
        return _blocked("ocsp", url, e)
    except ValueError as e:
        return _blocked("ocsp", url, Blocked("malformed", str(e)))
    status = {ocsp.OCSPCertStatus.GOOD: "good", ocsp.OCSPCertStatus.REVOKED: "revoked",
              ocsp.OCSPCertStatus.UNKNOWN: "unknown"}[single.certificate_status]
    revoked_at = single.revocation_time_utc if status == "revoked" else None
    reason = single.revocation_reason.name if revoked_at and single.revocation_reason else None
    return RevocationAnswer(status=status, source="ocsp", url=url,
                            detail="nonce checked" if got else "responder sent no nonce",
                            this_update=this_u, next_update=next_u, revoked_at=revoked_at,
                            reason=reason)


def check_crl(cert: x509.Certificate, issuer: x509.Certificate, url: str, *,
              now: dt.datetime, timeout: float = 10.0,
              egress: EgressPolicy = _PUBLIC_ONLY) -> RevocationAnswer:
    """Fetch the CRL, believe it only if the issuer signed it and it is current."""
    try:
        data = _fetch("GET", url, egress, timeout, MAX_CRL_BYTES)
        try:
            crl = x509.load_der_x509_crl(data)
        except ValueError:
            try:
                crl = x509.load_pem_x509_crl(data)
            except ValueError as exc:
                raise Blocked("malformed", f"not a CRL: {exc}") from None
        if crl.issuer != issuer.subject or not crl.is_signature_valid(
                issuer.public_key()):  # type: ignore[arg-type]
            raise _Reject("the CRL is not signed by the certificate's issuer")
        if crl.next_update_utc is not None and crl.next_update_utc < now - SKEW:
            raise _Reject(f"stale CRL: nextUpdate {crl.next_update_utc:%Y-%m-%d %H:%M} is past")
    except _Reject as e:
        return RevocationAnswer(status="error", source="crl", url=url, detail=str(e))
    except Blocked as e:
        return _blocked("crl", url, e)
    except ValueError as e:
        return _blocked("crl", url, Blocked("malformed", str(e)))
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is None:
        return RevocationAnswer(status="good", source="crl", url=url,
                                this_update=crl.last_update_utc,
                                next_update=crl.next_update_utc)
    return RevocationAnswer(status="revoked", source="crl", url=url,
                            this_update=crl.last_update_utc, next_update=crl.next_update_utc,
                            revoked_at=entry.revocation_date_utc)
