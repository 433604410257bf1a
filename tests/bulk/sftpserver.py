"""A real SFTP server on loopback (asyncssh), chrooted to a temp directory, with password
and public-key login, run on its own event loop in a thread. ``fail_writes_after`` makes
writes fail like a full disk after that many bytes."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import asyncssh


class _Auth(asyncssh.SSHServer):
    def __init__(self, owner: SftpTestServer) -> None:
        self.owner = owner

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self.owner.user and password == self.owner.password


class SftpTestServer:
    def __init__(self, root: Path, *, user: str = "bulk", password: str = "Bulk-pass-1",
                 client_key: asyncssh.SSHKey | None = None) -> None:
        self.root, self.user, self.password = root, user, password
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = client_key
        self.fail_writes_after: int | None = None
        self.written = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.acceptor = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        self.port: int = self.acceptor.sockets[0].getsockname()[1]

    @property
    def fingerprint(self) -> str:
        return str(self.host_key.get_fingerprint("sha256"))

    def known_hosts_line(self) -> str:
        pub = self.host_key.export_public_key("openssh").decode().strip()
        return f"[127.0.0.1]:{self.port} {pub}\n"

    async def _start(self) -> Any:
        owner = self

        class _Sftp(asyncssh.SFTPServer):
            def __init__(self, chan: asyncssh.SSHServerChannel) -> None:
                super().__init__(chan, chroot=str(owner.root).encode())

            def write(self, file_obj: object, offset: int, data: bytes) -> Any:
                limit = owner.fail_writes_after
                if limit is not None and owner.written + len(data) > limit:
                    raise asyncssh.SFTPFailure("No space left on device")
                owner.written += len(data)
                return super().write(file_obj, offset, data)

        authorized = None
        if self.client_key is not None:
            authorized = asyncssh.import_authorized_keys(
                self.client_key.export_public_key().decode())
        return await asyncssh.listen(
            "127.0.0.1", 0, server_host_keys=[self.host_key],
            server_factory=lambda: _Auth(owner), sftp_factory=_Sftp,
            authorized_client_keys=authorized, allow_scp=False)

    def close(self) -> None:
        self.acceptor.close()
        asyncio.run_coroutine_threadsafe(self.acceptor.wait_closed(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
