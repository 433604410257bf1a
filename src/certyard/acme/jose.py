"""Signed ACME requests (RFC 8555 6.2-6.5): the flattened JWS, its protected header (alg,
nonce, url, exactly one of jwk/kid), nonces kept in the database (single use, any
replica), and the URLs of one directory. Signatures are checked by ``joserfc``."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from certyard.acme.problems import AcmeProblem
from certyard.db.models.acme import AcmeAccount, AcmeNonce, AcmeProfile

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["ACCOUNT_ALGORITHMS", "Urls", "Verified", "b64decode", "b64encode",
           "consume_nonce", "import_jwk", "new_nonce", "thumbprint", "verify_request"]

ACCOUNT_ALGORITHMS = ["ES256", "ES384", "RS256", "EdDSA"]
NONCE_LIFETIME = dt.timedelta(hours=1)
# Sizes of the JWS members (base64url characters), also joserfc's limits below.
MAX_PROTECTED = 4096
MAX_PAYLOAD = 128000
MAX_SIGNATURE = 1024
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: Any, what: str = "value") -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise AcmeProblem("malformed", f"{what} must be unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise AcmeProblem("malformed", f"{what} must be unpadded base64url") from None


@dataclass(frozen=True)
class Urls:
    """Every URL of one ACME directory, from the server's base URL and the profile."""

    base: str  # https://host:port
    profile: str

    def _u(self, path: str) -> str:
        return f"{self.base}/acme/{self.profile}/{path}"

    @property
    def directory(self) -> str:
        return self._u("directory")

    @property
    def new_nonce(self) -> str:
        return self._u("new-nonce")

    @property
    def new_account(self) -> str:
        return self._u("new-account")

    @property
    def new_order(self) -> str:
        return self._u("new-order")

    @property
    def revoke_cert(self) -> str:
        return self._u("revoke-cert")

    @property
    def key_change(self) -> str:
        return self._u("key-change")

    @property
    def renewal_info(self) -> str:
        return self._u("renewal-info")

    def account(self, rid: str) -> str:
        return self._u(f"acct/{rid}")

    def orders(self, rid: str) -> str:
        return self._u(f"acct/{rid}/orders")

    def order(self, rid: str) -> str:
        return self._u(f"order/{rid}")

    def finalize(self, rid: str) -> str:
        return self._u(f"order/{rid}/finalize")

    def authz(self, rid: str) -> str:
        return self._u(f"authz/{rid}")

    def challenge(self, rid: str) -> str:
        return self._u(f"chall/{rid}")

    def certificate(self, rid: str, alternate: int = 0) -> str:
        return self._u(f"cert/{rid}" + (f"/{alternate}" if alternate else ""))


def new_nonce(ctx: AppContext) -> str:
    """A fresh nonce, stored so that any replica accepts it once. Expired ones are swept
    now and then on the way."""
    value = secrets.token_urlsafe(18)
    now = ctx.clock.now()
    with ctx.transaction() as s:
        s.add(AcmeNonce(value=value, expires_at=now + NONCE_LIFETIME))
        if secrets.randbelow(50) == 0:
            s.execute(delete(AcmeNonce).where(AcmeNonce.expires_at < now))
    return value


def consume_nonce(s: Session, value: Any, now: dt.datetime) -> None:
    if not isinstance(value, str) or not value or len(value) > 64:
        raise AcmeProblem("badNonce", "the request has no usable nonce")
    gone = s.execute(delete(AcmeNonce).where(AcmeNonce.value == value,
                                             AcmeNonce.expires_at > now))
    if gone.rowcount != 1:  # type: ignore[attr-defined]
        raise AcmeProblem("badNonce", "the nonce is unknown, used already or expired")


def import_jwk(jwk: Any) -> Any:
    """A public account key from a JWK (EC P-256/P-384, RSA >= 2048, Ed25519)."""
    from joserfc.jwk import JWKRegistry

    if not isinstance(jwk, dict) or jwk.get("kty") not in ("EC", "RSA", "OKP") \
            or "d" in jwk or "p" in jwk:
        raise AcmeProblem("badPublicKey", "the jwk must be a public EC, RSA or OKP key")
    try:
        key: Any = JWKRegistry.import_key(jwk)
    except Exception:  # untrusted input: any failure means unreadable
        raise AcmeProblem("badPublicKey", "the jwk cannot be read as a public key") from None
    if jwk["kty"] == "RSA" and key.raw_value.key_size < 2048:
        raise AcmeProblem("badPublicKey", "RSA account keys must be at least 2048 bits")
    if jwk["kty"] == "EC" and jwk.get("crv") not in ("P-256", "P-384"):
        raise AcmeProblem("badPublicKey", "EC account keys must be P-256 or P-384")
    if jwk["kty"] == "OKP" and jwk.get("crv") != "Ed25519":
        raise AcmeProblem("badPublicKey", "OKP account keys must be Ed25519")
    return key


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint (base64url): the account key's identity."""
    return str(import_jwk(jwk).thumbprint())


def public_jwk(jwk: dict[str, Any]) -> dict[str, Any]:
    return dict(import_jwk(jwk).as_dict(private=False))


@dataclass(frozen=True, kw_only=True)
class Verified:
    """A request whose signature, nonce and url checked out."""

    header: dict[str, Any]
    payload: bytes  # b"" for POST-as-GET
    jwk: dict[str, Any]  # the signing key (public)
    account: AcmeAccount | None  # by kid; None when signed with a jwk

    def json(self) -> dict[str, Any]:
        if not self.payload:
            raise AcmeProblem("malformed", "this request needs a JSON payload")
        try:
            value = json.loads(self.payload)
        except ValueError:
            raise AcmeProblem("malformed", "the payload is not JSON") from None
        if not isinstance(value, dict):
            raise AcmeProblem("malformed", "the payload must be a JSON object")
        return value

    @property
    def post_as_get(self) -> bool:
        return self.payload == b""


def parse_jws(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The flattened JWS object and its decoded protected header."""
    try:
        obj = json.loads(body)
    except ValueError:
        raise AcmeProblem("malformed", "the request body is not a JSON Web Signature") from None
    if not isinstance(obj, dict) or set(obj) != {"protected", "payload", "signature"}:
        raise AcmeProblem("malformed", "the request must be a flattened JWS with protected, "
                          "payload and signature only")
    check_members(obj)
    try:
        header = json.loads(b64decode(obj["protected"], "protected"))
    except ValueError:
        raise AcmeProblem("malformed", "the protected header is not JSON") from None
    if not isinstance(header, dict):
        raise AcmeProblem("malformed", "the protected header must be a JSON object")
    return obj, header


def _check_member(obj: dict[str, Any], name: str, limit: int, *, empty: bool) -> None:
    value = obj[name]
    if not isinstance(value, str):
        raise AcmeProblem("malformed", f"the JWS {name} must be a base64url string")
    if len(value) > limit:
        what = "payload too large" if name == "payload" else f"JWS {name} too large"
        raise AcmeProblem("malformed", f"{what}: at most {limit} base64url characters")
    if not _B64URL.match(value) or len(value) % 4 == 1:
        raise AcmeProblem("malformed", f"the JWS {name} must be unpadded base64url")
    if not value and not empty:
        raise AcmeProblem("malformed", f"the JWS {name} is empty")


def check_members(obj: dict[str, Any]) -> None:
    """Types, encodings and sizes of the flattened JWS members, before any library sees
    them (untrusted input)."""
    _check_member(obj, "protected", MAX_PROTECTED, empty=False)
    _check_member(obj, "payload", MAX_PAYLOAD, empty=True)
    _check_member(obj, "signature", MAX_SIGNATURE, empty=False)


def jws_registry(algorithms: list[str]) -> Any:
    """joserfc's checks with ACME's header fields (nonce, url, kid/jwk) allowed and room
    for an RSA-4096 jwk in the protected header."""
    from joserfc.jws import JWSRegistry

    registry = JWSRegistry(strict_check_header=False, algorithms=algorithms)
    registry.max_header_length = MAX_PROTECTED
    registry.max_payload_length = MAX_PAYLOAD
    registry.max_signature_length = MAX_SIGNATURE
    return registry


def check_signature(obj: dict[str, Any], key: Any, algorithms: list[str]) -> bytes:
    from joserfc import jws
    from joserfc.errors import JoseError

    check_members(obj)
    registry = jws_registry(algorithms)
    try:
        result = jws.deserialize_json(obj, key, registry=registry)  # type: ignore[call-overload]
    except JoseError:
        raise AcmeProblem("malformed", "the JWS signature does not verify with the "
                          "signing key") from None
    except Exception:  # untrusted input: whatever else the parser trips over
        raise AcmeProblem("malformed", "the JWS cannot be read") from None
    return bytes(result.payload)


def verify_request(ctx: AppContext, s: Session, profile: AcmeProfile, urls: Urls, body: bytes,
                   url: str, *, use_jwk: bool | None) -> Verified:
    """Check a POST body for ``url``. ``use_jwk``: True (newAccount) requires a jwk,
    False a kid, None (revokeCert) takes either. The nonce was consumed before."""
    obj, header = parse_jws(body)
    alg = header.get("alg")
    if alg not in ACCOUNT_ALGORITHMS:
        raise AcmeProblem("badSignatureAlgorithm",
                          f"alg must be one of {', '.join(ACCOUNT_ALGORITHMS)}")
    if header.get("url") != url:
        raise AcmeProblem("unauthorized", "the url in the protected header is not the "
                          "request's URL")
    has_jwk, has_kid = "jwk" in header, "kid" in header
    if has_jwk == has_kid:
        raise AcmeProblem("malformed", "the protected header needs exactly one of jwk and kid")
    if use_jwk is True and not has_jwk:
        raise AcmeProblem("malformed", "this request must be signed with a jwk, not a kid")
    if use_jwk is False and not has_kid:
        raise AcmeProblem("malformed", "this request must be signed by an account (kid)")
    account = None
    if has_kid:
        account = _account_by_kid(s, profile, urls, header["kid"])
        jwk = dict(account.jwk)
    else:
        jwk = header["jwk"]
    key = import_jwk(jwk)
    payload = check_signature(obj, key, [alg])
    return Verified(header=header, payload=payload, jwk=dict(key.as_dict(private=False)),
                    account=account)


def _account_by_kid(s: Session, profile: AcmeProfile, urls: Urls, kid: Any) -> AcmeAccount:
    prefix = urls.account("")
    if not isinstance(kid, str) or not kid.startswith(prefix):
        raise AcmeProblem("accountDoesNotExist", "the kid is not an account of this directory")
    account = s.scalar(select(AcmeAccount).where(AcmeAccount.rid == kid[len(prefix):][:32],
                                                 AcmeAccount.profile_id == profile.id))
    if account is None:
        raise AcmeProblem("accountDoesNotExist", "no such account")
    if account.status != "valid":
        raise AcmeProblem("unauthorized", f"the account is {account.status}")
    return account
