"""Challenge validation for the ACME server: http-01 and dns-01 (RFC 8555 §8.3, §8.4),
tls-alpn-01 (RFC 8737), for ``dns`` and ``ip`` identifiers (RFC 8738).

    CertyardError
    └── ChallengeFailed(acme_type)     one RFC 8555 error type per failure

:func:`validate` connects only to the identifier's own addresses (resolved by the
validator, checked against ``ValidationConfig.allowed_networks``) on the configured ports;
nothing the client sends names where the validator goes. It blocks for at most about
``ValidationConfig.timeout`` seconds: call it from a worker thread or a job.
"""

from __future__ import annotations

import re

from certyard.acme.challenges.config import (
    ACME_TYPES,
    AcmeType,
    ChallengeFailed,
    ValidationConfig,
)
from certyard.acme.challenges.dns01 import dns01_record_name, dns01_txt_value, validate_dns01
from certyard.acme.challenges.http01 import validate_http01
from certyard.acme.challenges.tlsalpn01 import (
    ACME_IDENTIFIER_OID,
    ALPN_PROTOCOL,
    acme_identifier_value,
    validate_tlsalpn01,
)

__all__ = ["ACME_IDENTIFIER_OID", "ACME_TYPES", "ALPN_PROTOCOL", "CHALLENGE_TYPES",
           "AcmeType", "ChallengeFailed", "ValidationConfig", "acme_identifier_value",
           "dns01_record_name", "dns01_txt_value", "validate"]

CHALLENGE_TYPES = ("http-01", "dns-01", "tls-alpn-01")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_VALIDATORS = {"http-01": validate_http01, "dns-01": validate_dns01,
               "tls-alpn-01": validate_tlsalpn01}


def validate(kind: str, identifier_type: str, identifier_value: str, token: str,
             key_authorization: str, cfg: ValidationConfig) -> None:
    """Returns when the challenge ``kind`` is satisfied for the identifier; raises
    :class:`ChallengeFailed` with the RFC's error type otherwise."""
    validator = _VALIDATORS.get(kind)
    if validator is None:
        raise ChallengeFailed(f"unsupported challenge type {kind!r}", acme_type="malformed")
    if not _TOKEN.fullmatch(token):
        raise ChallengeFailed("the token is not base64url text", acme_type="malformed")
    if not key_authorization.startswith(token + ".") or not _TOKEN.fullmatch(
            key_authorization[len(token) + 1:]):
        raise ChallengeFailed("the key authorization is not <token>.<thumbprint>",
                              acme_type="malformed")
    validator(identifier_type, identifier_value, token, key_authorization, cfg)
