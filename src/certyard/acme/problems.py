"""ACME problems (RFC 8555 6.7): a typed error whose reason code is the RFC's error type.

    CertyardError
    └── AcmeProblem(acme_type, detail, subproblems)   e.g. badNonce, malformed, unauthorized,
                                                      rejectedIdentifier, badCSR, ...

The ACME router renders it as an RFC 7807 problem document
(``urn:ietf:params:acme:error:<type>``); the HTTP status for each type is chosen there.
"""

from __future__ import annotations

from typing import Any

from certyard.errors import CertyardError

__all__ = ["ACME_ERROR_TYPES", "AcmeProblem"]

ACME_ERROR_TYPES = frozenset({
    "accountDoesNotExist", "alreadyRevoked", "badCSR", "badNonce", "badPublicKey",
    "badRevocationReason", "badSignatureAlgorithm", "caa", "compound", "connection", "dns",
    "externalAccountRequired", "incorrectResponse", "invalidContact", "malformed",
    "orderNotReady", "rateLimited", "rejectedIdentifier", "serverInternal", "tls",
    "unauthorized", "unsupportedContact", "unsupportedIdentifier", "userActionRequired",
})


class AcmeProblem(CertyardError):
    """An ACME protocol error. ``acme_type`` is the reason code (an RFC 8555 error type)."""

    code = "acme_problem"

    def __init__(self, acme_type: str, detail: str, *,
                 subproblems: list[dict[str, Any]] | None = None,
                 retry_after: int | None = None,
                 conflicting_account: str | None = None) -> None:
        if acme_type not in ACME_ERROR_TYPES:
            raise ValueError(f"unknown ACME error type {acme_type}")
        super().__init__(detail)
        self.acme_type = acme_type
        self.subproblems = subproblems or []
        self.retry_after = retry_after
        # The URL of an existing account the request collides with (RFC 8555 7.3.5:
        # a key rollover to a key another account holds is a conflict naming it).
        self.conflicting_account = conflicting_account

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": f"urn:ietf:params:acme:error:{self.acme_type}",
                               "detail": self.message}
        if self.subproblems:
            doc["subproblems"] = self.subproblems
        return doc
