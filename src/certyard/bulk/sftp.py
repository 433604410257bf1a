"""The SFTP side of bulk export/import, on asyncssh, behind a small synchronous API.

Uploads never leave anything half-written: everything goes into a hidden temporary
directory (each file under a temporary name, renamed once complete), the manifest last, and
the directory is renamed to its final name only at the end; on any failure the temporary
directory is removed. The server's host key is checked during key exchange, before any
credential is sent: known_hosts lines, else the pinned SHA-256 fingerprint.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import posixpath
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from certyard.bulk.settings import SftpConfig
from certyard.errors import Conflict, ExternalServiceError

if TYPE_CHECKING:  # asyncssh is imported where a connection is made: it costs every
    import asyncssh  # certyard command a sixth of its start-up otherwise

__all__ = ["Progress", "SftpError", "download_tree", "fips_algorithms", "list_remote_exports",
           "scan_host_key",
           "upload_tree"]

T = TypeVar("T")
Progress = Callable[[int, int, str], None]  # done, total, current file
TIMEOUT = 15.0


# FIPS mode (seed 002 ch. 6): SFTP negotiates only FIPS-approved SSH algorithms — no
# ssh-rsa (SHA-1), ssh-ed25519, chacha20-poly1305, curve25519 or SHA-1 MACs.
FIPS_HOST_KEY_ALGS = ("rsa-sha2-256", "rsa-sha2-512", "ecdsa-sha2-nistp256",
                      "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
FIPS_KEX_ALGS = ("ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
                 "diffie-hellman-group16-sha512", "diffie-hellman-group14-sha256")
FIPS_ENCRYPTION_ALGS = ("aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr",
                        "aes192-ctr", "aes128-ctr")
FIPS_MAC_ALGS = ("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
                 "hmac-sha2-256", "hmac-sha2-512")


def fips_algorithms() -> dict[str, list[str]]:
    """asyncssh options restricting a connection to FIPS-approved algorithms."""
    return {"server_host_key_algs": list(FIPS_HOST_KEY_ALGS),
            "kex_algs": list(FIPS_KEX_ALGS), "encryption_algs": list(FIPS_ENCRYPTION_ALGS),
            "mac_algs": list(FIPS_MAC_ALGS)}


class SftpError(ExternalServiceError):
    """``reason``: ``no_such_file`` when the server said the path does not exist, else
    ``failed``; callers branch on it, never on the message text."""

    code = "sftp_failed"

    def __init__(self, message: str, *, reason: str = "failed") -> None:
        super().__init__(message)
        self.reason = reason


def _run(coro: Awaitable[T]) -> T:
    """asyncio.run, also from inside a running loop (the web server) via a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["v"] = asyncio.run(coro)  # type: ignore[arg-type]
        except BaseException as e:
            box["e"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "e" in box:
        raise box["e"]
    return box["v"]  # type: ignore[no-any-return]


@functools.cache
def _client_class() -> type:
    import asyncssh

    class PinnedClient(asyncssh.SSHClient):
        """Trusts the host key whose SHA-256 fingerprint was pinned, and remembers the one
        the server presented."""

        def __init__(self, fingerprint: str) -> None:
            self.fingerprint = fingerprint
            self.seen = ""

        def validate_host_public_key(self, host: str, addr: str, port: int,
                                     key: asyncssh.SSHKey) -> bool:
            self.seen = key.get_fingerprint("sha256")
            return bool(self.fingerprint) and secrets.compare_digest(self.seen,
                                                                     self.fingerprint)

    return PinnedClient


def _pinned_client(fingerprint: str) -> Any:
    return _client_class()(fingerprint)


def _where(cfg: SftpConfig) -> str:
    return f"SFTP server {cfg.host}:{cfg.port}"


async def _connect(cfg: SftpConfig) -> tuple[asyncssh.SSHClientConnection, Any]:
    import asyncssh

    client = _pinned_client(cfg.host_key_fingerprint)
    kwargs: dict[str, Any] = {}
    if cfg.known_hosts:
        kwargs["known_hosts"] = asyncssh.import_known_hosts(cfg.known_hosts)
    else:
        kwargs["known_hosts"] = ([], [], [])  # trust nothing listed; ask the pin
        kwargs["server_host_key_algs"] = "default"
    if cfg.fips:
        kwargs.update(fips_algorithms())
    keys = [asyncssh.import_private_key(cfg.private_key)] if cfg.private_key else []
    try:
        conn, _ = await asyncssh.create_connection(
            lambda: client, cfg.host, cfg.port, username=cfg.user_id,
            password=cfg.password, client_keys=keys, agent_path=None, config=(),
            connect_timeout=TIMEOUT, login_timeout=TIMEOUT, **kwargs)
    except asyncssh.HostKeyNotVerifiable:
        seen = f" (it presented {client.seen})" if client.seen else ""
        raise SftpError(f"{_where(cfg)}: host key not trusted{seen}; check the known_hosts "
                        "entry or pinned fingerprint — refusing to connect") from None
    except asyncssh.PermissionDenied:
        raise SftpError(f"{_where(cfg)}: login failed for user {cfg.user_id} "
                        "(bad password or key)") from None
    except (TimeoutError, OSError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else (str(e) or
                                                                             "timed out")
        if isinstance(e, socket.gaierror):
            reason = "host name does not resolve"
        raise SftpError(f"{_where(cfg)} unreachable: {reason}") from None
    except asyncssh.Error as e:
        raise SftpError(f"{_where(cfg)}: {e.reason}") from None
    return conn, client


async def _check_dir(sftp: asyncssh.SFTPClient, cfg: SftpConfig) -> None:
    import asyncssh

    try:
        is_dir = await sftp.isdir(cfg.directory)
    except asyncssh.SFTPError as e:
        raise SftpError(f"{_where(cfg)}: cannot read directory {cfg.directory}: "
                        f"{e.reason}") from None
    if not is_dir:
        raise SftpError(f"{_where(cfg)}: directory {cfg.directory} does not exist")


def upload_tree(cfg: SftpConfig, name: str, files: Sequence[tuple[str, bytes]], *,
                progress: Progress | None = None) -> str:
    """Write ``files`` (relative path, content) under ``directory/name``; returns the path."""
    return _run(_upload(cfg, name, files, progress))


async def _upload(cfg: SftpConfig, name: str, files: Sequence[tuple[str, bytes]],
                  progress: Progress | None) -> str:
    import asyncssh

    conn, _ = await _connect(cfg)
    async with conn:
        async with conn.start_sftp_client() as sftp:
            await _check_dir(sftp, cfg)
            final = posixpath.join(cfg.directory, name)
            if await sftp.exists(final):
                raise Conflict(f"{final} already exists on the SFTP server")
            tmp = posixpath.join(cfg.directory, f".{name}.part-{secrets.token_hex(4)}")
            try:
                await sftp.mkdir(tmp)
                made = {tmp}
                for i, (rel, data) in enumerate(files):
                    path = posixpath.join(tmp, rel)
                    parent = posixpath.dirname(path)
                    if parent not in made:
                        await sftp.makedirs(parent, exist_ok=True)
                        made.add(parent)
                    async with sftp.open(path + ".tmp", "wb") as fh:
                        await fh.write(data)
                    await sftp.rename(path + ".tmp", path)
                    if progress:
                        progress(i + 1, len(files), rel)
                await sftp.rename(tmp, final)
            except BaseException as e:
                with contextlib.suppress(Exception):  # the first error is the one to report
                    await sftp.rmtree(tmp, ignore_errors=True)
                if isinstance(e, asyncssh.SFTPError):
                    raise SftpError(f"{_where(cfg)}: writing the export failed: {e.reason}; "
                                    "nothing was left on the server") from None
                raise
    return final


def list_remote_exports(cfg: SftpConfig, prefix: str) -> list[str]:
    return _run(_list(cfg, prefix))


async def _list(cfg: SftpConfig, prefix: str) -> list[str]:
    conn, _ = await _connect(cfg)
    async with conn:
        async with conn.start_sftp_client() as sftp:
            await _check_dir(sftp, cfg)
            names = await sftp.listdir(cfg.directory)
    return sorted(n for n in names if n.startswith(prefix))


def download_tree(cfg: SftpConfig, name: str, first: str,
                  pick: Callable[[bytes], list[str]], *, limit: int,
                  progress: Progress | None = None) -> dict[str, bytes]:
    """Read ``name/first`` (the manifest), then every file ``pick(manifest)`` names."""
    return _run(_download(cfg, name, first, pick, limit, progress))


async def _read(sftp: asyncssh.SFTPClient, cfg: SftpConfig, path: str, limit: int) -> bytes:
    import asyncssh

    try:
        async with sftp.open(path, "rb") as fh:
            data = await fh.read(limit + 1)
    except asyncssh.SFTPError as e:
        missing = e.code == asyncssh.sftp.FX_NO_SUCH_FILE
        raise SftpError(f"{_where(cfg)}: cannot read {path}: {e.reason}",
                        reason="no_such_file" if missing else "failed") from None
    if not isinstance(data, bytes):
        raise SftpError(f"{_where(cfg)}: {path} was not read as bytes")
    if len(data) > limit:
        raise SftpError(f"{_where(cfg)}: {path} is larger than {limit:,} bytes")
    return data


async def _download(cfg: SftpConfig, name: str, first: str,
                    pick: Callable[[bytes], list[str]], limit: int,
                    progress: Progress | None) -> dict[str, bytes]:
    if "/" in name or name.startswith("."):
        raise SftpError(f"{name!r} is not an export name")
    conn, _ = await _connect(cfg)
    async with conn:
        async with conn.start_sftp_client() as sftp:
            await _check_dir(sftp, cfg)
            base = posixpath.join(cfg.directory, name)
            out = {first: await _read(sftp, cfg, posixpath.join(base, first), limit)}
            wanted = pick(out[first])
            for i, rel in enumerate(wanted):
                out[rel] = await _read(sftp, cfg, posixpath.join(base, rel), limit)
                if progress:
                    progress(i + 1, len(wanted), rel)
    return out


def scan_host_key(host: str, port: int) -> str:
    """The SHA-256 fingerprint the server presents, for the administrator to compare with
    the one the server's owner reports before pinning it. Nothing is trusted or stored."""
    return _run(_scan(host, port))


async def _scan(host: str, port: int) -> str:
    import asyncssh

    client = _pinned_client("")  # trusts nothing: the handshake stops after the host key
    where = f"SFTP server {host}:{port}"
    try:
        conn, _ = await asyncssh.create_connection(
            lambda: client, host, port, username="certyard-host-key-scan",
            known_hosts=([], [], []), server_host_key_algs="default", client_keys=[],
            agent_path=None, config=(), connect_timeout=TIMEOUT)
        conn.close()
    except asyncssh.HostKeyNotVerifiable:
        pass
    except (TimeoutError, OSError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "timed out"
        raise SftpError(f"{where} unreachable: {reason}") from None
    except asyncssh.Error as e:
        raise SftpError(f"{where}: {e.reason}") from None
    if not client.seen:
        raise SftpError(f"{where} presented no host key")
    return client.seen
