"""Typed errors raised by the service layer.

Domain code raises these and never sees HTTP or exit codes: each error carries a reason
``code`` (machine-readable, stable) and its data. The delivery layers map them in one place
each: certyard.http.errors.http_status (HTTP) and certyard.cli.errors.exit_code (CLI).

    CertyardError                      exit 1   HTTP 400
    ├── InvalidInput                   exit 2   HTTP 422   (a value a user typed is wrong)
    │   ├── InvalidName                              (CN/SAN/node name rejected)
    │   ├── WeakAlgorithm                            (key or hash not allowed)
    │   ├── InvalidInputs(problems)                  (several values wrong at once)
    │   └── PolicyViolation(rule, value)
    ├── InvalidFile                    exit 3   HTTP 422   (uploaded material cannot be used)
    │   ├── InvalidCertificateFile
    │   ├── InvalidCSR
    │   ├── KeyMismatch
    │   ├── CertificateNotValidNow
    │   ├── FileUnreadable(path, reason)             (missing, a directory, no permission)
    │   └── UntrustedChain(reason)
    ├── NotFound(kind, key)            exit 4   HTTP 404
    ├── Conflict                       exit 5   HTTP 409
    │   └── Duplicate
    ├── PermissionDenied               exit 6   HTTP 403
    │   └── PolicyForbids(rule, value)               (a setting forbids it, not the input)
    ├── AuthenticationFailed           exit 6   HTTP 401
    ├── NotInitialised                 exit 7   HTTP 503
    └── ExternalServiceError           exit 8   HTTP 502   (SMTP, SFTP, syslog, OCSP peers)
        └── TokenUnavailable           exit 8   HTTP 503   (a CA key's PKCS#11 token)
"""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "CertificateNotValidNow",
    "CertyardError",
    "Conflict",
    "Duplicate",
    "ExternalServiceError",
    "InvalidCSR",
    "InvalidCertificateFile",
    "InvalidFile",
    "InvalidInput",
    "InvalidInputs",
    "InvalidName",
    "KeyMismatch",
    "NotFound",
    "NotInitialised",
    "NotInstalled",
    "PermissionDenied",
    "PolicyForbids",
    "PolicyViolation",
    "TokenUnavailable",
    "UntrustedChain",
    "WeakAlgorithm",
]


class CertyardError(Exception):
    """Root of every error the service layer raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        # One line, always: delivery layers print it as is.
        message = " ".join(str(message).split())
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(CertyardError):
    code = "invalid_input"


class InvalidName(InvalidInput):
    code = "invalid_name"


class InvalidInputs(InvalidInput):
    """Several values are wrong at once: ``problems`` holds each, so a person fixes them
    all in one go (the CLI prints one line each, a form shows each under its field). The
    message joins them; ``field`` is the first one's."""

    def __init__(self, problems: list[InvalidInput]) -> None:
        if not problems:
            raise ValueError("InvalidInputs needs at least one problem")
        super().__init__("; ".join(p.message for p in problems), field=problems[0].field)
        self.problems = tuple(problems)

    def to_dict(self) -> dict[str, object]:  # type: ignore[override]
        return {**super().to_dict(), "problems": [p.to_dict() for p in self.problems]}


class WeakAlgorithm(InvalidInput):
    code = "weak_algorithm"


class PolicyViolation(InvalidInput):
    code = "policy_violation"

    def __init__(self, message: str, *, rule: str, value: object = None, field: str | None = None):
        super().__init__(message, field=field)
        self.rule = rule
        self.value = value


class InvalidFile(CertyardError):
    code = "invalid_file"


class InvalidCertificateFile(InvalidFile):
    code = "invalid_certificate"


class InvalidCSR(InvalidFile):
    code = "invalid_csr"


class KeyMismatch(InvalidFile):
    code = "key_mismatch"


class CertificateNotValidNow(InvalidFile):
    code = "certificate_not_valid_now"


class UntrustedChain(InvalidFile):
    code = "untrusted_chain"

    def __init__(self, message: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason


class NotFound(CertyardError):
    code = "not_found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!s} not found")
        self.kind = kind
        self.key = key


class Conflict(CertyardError):
    code = "conflict"


class Duplicate(Conflict):
    code = "duplicate"


class PermissionDenied(CertyardError):
    code = "forbidden"


class PolicyForbids(PermissionDenied):
    """Nothing the user typed is wrong, but a configured rule does not allow the operation
    now (e.g. issuing from a file key while FIPS mode requires token keys)."""

    def __init__(self, message: str, *, rule: str, value: object = None,
                 field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.rule = rule
        self.value = value


class AuthenticationFailed(CertyardError):
    code = "unauthenticated"


class NotInitialised(CertyardError):
    code = "not_initialised"


class NotInstalled(NotInitialised):
    """A part of the installed stack is missing (e.g. uvloop): install from the lock."""

    code = "not_installed"


class ExternalServiceError(CertyardError):
    code = "external_service"


class TokenUnavailable(ExternalServiceError):
    """The PKCS#11 token holding a CA key cannot be reached (gone, not logged in, or the
    key is missing); signing resumes by itself once it is back."""

    code = "token_unavailable"
