"""The one mapping from an error to the CLI's exit code (README, "Exit codes").

By reason code first (a few errors leave their class's code), else by the nearest class
in the error tree (certyard.errors)."""

from __future__ import annotations

from certyard import errors as e

__all__ = ["error_class", "exit_code"]

_BY_CODE: dict[str, int] = {
    "backup_password": 6,       # backup.BackupPasswordWrong: like a wrong password
    "master_key": 7,            # the sealing key is unusable: not set up as required
    "audit_chain_broken": 9,    # audit.ChainBroken: `certyard audit verify` found tampering
}
_BY_CLASS: tuple[tuple[type[e.CertyardError], int], ...] = (
    (e.InvalidInput, 2),
    (e.InvalidFile, 3),
    (e.NotFound, 4),
    (e.Conflict, 5),
    (e.PermissionDenied, 6),
    (e.AuthenticationFailed, 6),
    (e.NotInitialised, 7),
    (e.ExternalServiceError, 8),
)


def exit_code(exc: e.CertyardError) -> int:
    for klass in type(exc).__mro__:
        code = getattr(klass, "code", None)
        if isinstance(code, str) and code in _BY_CODE:
            return _BY_CODE[code]
    for klass, status in _BY_CLASS:
        if isinstance(exc, klass):
            return status
    return 1


# README, "JSON output": ``code`` is the class of error, ``reason`` the specific cause.
_CLASS_BY_EXIT = {2: "invalid_input", 3: "invalid_file", 4: "not_found", 5: "conflict",
                  6: "forbidden", 7: "not_initialised", 8: "external_service"}


def error_class(exc: e.CertyardError) -> str:
    """The class of error the JSON shape names (``sftp_failed`` is ``external_service``,
    ``invalid_certificate`` is ``invalid_file``); an error outside those classes keeps its
    own code (``audit_chain_broken``)."""
    return _CLASS_BY_EXIT.get(exit_code(exc), exc.code)
