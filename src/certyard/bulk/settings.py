"""The SFTP server for bulk certificate management (seed 001 Table 5): address, port
(default 22), user ID, password (sealed with the master key) or private key, directory; and
how its host key is verified — OpenSSH known_hosts lines or a pinned SHA-256 fingerprint.
A host key is never accepted blindly: one of the two is required."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from certyard.audit import record_event
from certyard.db.models.bulk import BulkSftpSettings
from certyard.errors import InvalidFile, InvalidInput, NotFound
from certyard.syslog.forward import check_host, check_port

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["SftpConfig", "SftpSettingsView", "configure_sftp", "load_sftp_config",
           "show_sftp"]

_FP = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}=?$")
_USER = re.compile(r"^[A-Za-z0-9._@-][A-Za-z0-9._@ -]{0,127}$")


@dataclass(frozen=True, kw_only=True)
class SftpSettingsView:
    host: str
    port: int
    user_id: str
    directory: str
    has_password: bool
    has_private_key: bool
    host_key_fingerprint: str
    known_hosts_entries: int

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, kw_only=True)
class SftpConfig:
    """Everything needed to connect, secrets opened; never rendered or logged."""

    host: str
    port: int
    user_id: str
    directory: str
    password: str | None
    private_key: bytes | None
    known_hosts: str
    host_key_fingerprint: str
    fips: bool = False

    def __repr__(self) -> str:
        return f"SftpConfig({self.user_id}@{self.host}:{self.port}{self.directory})"


def _aad(field: str) -> bytes:
    return f"bulk-sftp:{field}".encode()


def _check_directory(d: str) -> str:
    d = d.strip()
    if not d.startswith("/") or any(ord(c) < 32 for c in d) or len(d) > 1024:
        raise InvalidInput(f"directory must be an absolute path on the server, e.g. "
                           f"/users/cisco, not {d!r}", field="directory")
    if ".." in d.split("/"):
        raise InvalidInput("directory must not contain '..'", field="directory")
    return d.rstrip("/") or "/"


def configure_sftp(ctx: AppContext, *, host: str, user_id: str, directory: str, port: int = 22,
                   password: str | None = None, private_key: bytes | None = None,
                   known_hosts: str | None = None, host_key_fingerprint: str | None = None,
                   ) -> SftpSettingsView:
    host = check_host(host)
    port = check_port(port)
    if not _USER.match(user_id or ""):
        raise InvalidInput("user ID must be 1-128 letters, digits, '.', '_', '@', '-'",
                           field="user_id")
    directory = _check_directory(directory)
    fp = (host_key_fingerprint or "").strip()
    if fp and not _FP.match(fp):
        raise InvalidInput("host key fingerprint must look like SHA256:<43 base64 characters>"
                           " (as ssh-keygen -lf prints it)", field="host_key_fingerprint")
    kh = (known_hosts or "").strip()
    if kh:
        import asyncssh

        # asyncssh skips lines it cannot read; a typo must not silently trust nothing.
        for n, line in enumerate(kh.splitlines(), 1):
            tokens = line.split()
            if not tokens or tokens[0].startswith("#"):
                continue
            if tokens[0].startswith("@"):
                tokens = tokens[1:]
            try:
                if len(tokens) < 3:
                    raise ValueError("expected: host key-type base64-key")
                asyncssh.import_public_key(" ".join(tokens[1:3]))
            except (ValueError, asyncssh.KeyImportError) as e:
                raise InvalidFile(f"known_hosts line {n} cannot be read: {e}",
                                  field="known_hosts") from None
    if not fp and not kh:
        raise InvalidInput("give the server's host key: a known_hosts line or a pinned "
                           "SHA256 fingerprint (host keys are never accepted blindly)",
                           field="host_key_fingerprint")
    if private_key is not None:
        import asyncssh

        try:
            asyncssh.import_private_key(private_key)
        except (ValueError, asyncssh.KeyImportError):
            raise InvalidFile("the private key cannot be read (OpenSSH or PEM, "
                              "unencrypted)", field="private_key") from None
    now = ctx.clock.now()
    with ctx.transaction() as s:
        row = s.get(BulkSftpSettings, 1, with_for_update=True)
        if row is None:
            row = BulkSftpSettings(id=1, known_hosts="", host_key_sha256="")
            s.add(row)
        if (password is None and private_key is None and row.host
                and (row.host, row.port, row.user_id) != (host, port, user_id)):
            # A stored secret is only ever sent to the server it was entered for.
            row.password_sealed, row.key_sealed = None, None
        if password is None and private_key is None and not (row.password_sealed
                                                             or row.key_sealed):
            raise InvalidInput("give a password or a private key for the SFTP user",
                               field="password")
        if password is not None:
            if not password or len(password) > 1024:
                raise InvalidInput("password must be 1-1024 characters", field="password")
            row.password_sealed = ctx.master_key.seal(password.encode(), aad=_aad("password"))
        if private_key is not None:
            row.key_sealed = ctx.master_key.seal(private_key, aad=_aad("key"))
        row.host, row.port, row.user_id, row.directory = host, port, user_id, directory
        row.known_hosts, row.host_key_sha256 = kh, fp
        row.updated_at = now
        s.flush()
        view = _view(row)
        record_event(s, ctx, action="bulk.configure_sftp", target=f"sftp:{host}",
                     details={k: v for k, v in view.to_dict().items()})
        return view


def _view(row: BulkSftpSettings) -> SftpSettingsView:
    return SftpSettingsView(
        host=row.host, port=row.port, user_id=row.user_id, directory=row.directory,
        has_password=bool(row.password_sealed), has_private_key=bool(row.key_sealed),
        host_key_fingerprint=row.host_key_sha256,
        known_hosts_entries=len([ln for ln in row.known_hosts.splitlines()
                                 if ln.strip() and not ln.startswith("#")]))


class SftpNotConfigured(NotFound):
    """Bulk export/import before any SFTP server was saved."""

    def __init__(self) -> None:
        super().__init__("SFTP server", "")
        self.message = ("no SFTP server is configured yet: run `certyard bulk configure` "
                        "(or save one on the Bulk page) first")
        self.args = (self.message,)


def show_sftp(ctx: AppContext) -> SftpSettingsView:
    with ctx.read() as s:
        row = s.get(BulkSftpSettings, 1)
        if row is None:
            raise SftpNotConfigured()
        return _view(row)


def load_sftp_config(ctx: AppContext, s: Session) -> SftpConfig:
    row = s.get(BulkSftpSettings, 1)
    if row is None:
        raise SftpNotConfigured()
    return SftpConfig(
        host=row.host, port=row.port, user_id=row.user_id, directory=row.directory,
        password=(ctx.master_key.open(row.password_sealed, aad=_aad("password")).decode()
                  if row.password_sealed else None),
        private_key=(ctx.master_key.open(row.key_sealed, aad=_aad("key"))
                     if row.key_sealed else None),
        known_hosts=row.known_hosts, host_key_fingerprint=row.host_key_sha256,
        fips=_fips(s))


def _fips(s: Session) -> bool:
    from certyard.store import fips_enabled

    return fips_enabled(s)
