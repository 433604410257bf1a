"""A real authoritative DNS server for the suite: BIND 9 ``named`` on 127.0.0.1:<free port>,
primary for one test zone (``acme.test`` unless told otherwise), with dynamic updates
(RFC 2136) signed by a TSIG key, so tests, ``nsupdate`` and certbot's manual hooks add and
remove records while it runs. Missing ``named`` skips its tests, or fails them under CI.

    server = start_dns_server(tmp_path)      # or the ``dns_server`` fixture
    server.add_a("www.acme.test", "127.0.0.1")
    server.add_txt("_acme-challenge.www.acme.test", "value")
    ValidationConfig(dns_resolver=server.resolver)
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsigkeyring
import dns.update
import pytest

from tests.support.peers import require_peer
from tests.support.ports import PortInUse, in_use_message, start_with_free_port

__all__ = ["NAMED", "NSUPDATE", "DnsServer", "dns_server", "named_available",
           "running_dns_server", "start_dns_server"]

NAMED = shutil.which("named") or ("/usr/sbin/named" if Path("/usr/sbin/named").exists()
                                  else None)
NSUPDATE = shutil.which("nsupdate")
INSTALL = "apt-get install bind9 dnsutils"
KEY_NAME = "certyard-test."
KEY_ALGORITHM = "hmac-sha256"


def named_available() -> bool:
    return NAMED is not None


@dataclass
class DnsServer:
    """A running ``named``: where it listens, its zone and the TSIG key for updates."""

    directory: Path
    zone: str
    port: int
    secret: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    address: str = "127.0.0.1"

    @property
    def resolver(self) -> tuple[str, int]:
        """``(address, port)``, as ``ValidationConfig.dns_resolver`` takes it."""
        return (self.address, self.port)

    @property
    def key_file(self) -> Path:
        """The TSIG key in named.conf syntax, for ``nsupdate -k``."""
        return self.directory / "update.key"

    def name(self, label: str) -> str:
        """``label`` inside the test zone."""
        return f"{label}.{self.zone}"

    # --- dynamic updates -------------------------------------------------------------
    def _update(self, build: list[tuple[str, str, str | None, int]]) -> None:
        keyring = dns.tsigkeyring.from_text({KEY_NAME: (KEY_ALGORITHM, self.secret)})
        update = dns.update.UpdateMessage(self.zone + ".", keyring=keyring,
                                          keyname=dns.name.from_text(KEY_NAME),
                                          keyalgorithm=KEY_ALGORITHM)
        for op, name, value, ttl in build:
            rdtype, _, data = (value or "").partition(" ") if value else ("", "", "")
            owner = dns.name.from_text(name)
            if op == "add":
                update.add(owner, ttl, rdtype, data)
            elif value:
                update.delete(owner, rdtype, data)
            else:
                update.delete(owner)
        response = dns.query.tcp(update, self.address, port=self.port, timeout=10)
        if response.rcode() != dns.rcode.NOERROR:
            raise RuntimeError(f"DNS update refused: {dns.rcode.to_text(response.rcode())}")

    def add_a(self, name: str, address: str = "127.0.0.1", ttl: int = 5) -> None:
        rdtype = "AAAA" if ":" in address else "A"
        self._update([("add", name, f"{rdtype} {address}", ttl)])

    def add_txt(self, name: str, value: str, ttl: int = 5) -> None:
        self._update([("add", name, f'TXT "{value}"', ttl)])

    def remove_txt(self, name: str, value: str | None = None) -> None:
        self._update([("delete", name, f'TXT "{value}"' if value else None, 0)])

    def remove(self, name: str) -> None:
        """Every record at ``name``."""
        self._update([("delete", name, None, 0)])

    def query(self, name: str, rdtype: str) -> list[str]:
        """The records the server holds for ``name`` (authoritative answer, no cache)."""
        request = dns.message.make_query(name, rdtype)
        response = dns.query.udp(request, self.address, port=self.port, timeout=5)
        wanted = dns.rdatatype.from_text(rdtype)
        return [rdata.to_text() for rrset in response.answer if rrset.rdtype == wanted
                for rdata in rrset]

    def nsupdate(self, commands: str) -> subprocess.CompletedProcess[str]:
        """Runs the real ``nsupdate`` with the TSIG key on ``commands`` (without the
        ``server`` and ``send`` lines, which this adds)."""
        script = f"server {self.address} {self.port}\nzone {self.zone}\n{commands}\nsend\n"
        return subprocess.run([NSUPDATE or "nsupdate", "-k", str(self.key_file)],
                              input=script, capture_output=True, text=True, timeout=30,
                              check=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None


def _config(directory: Path, zone: str, port: int, secret: str) -> str:
    d = str(directory)
    return f"""
options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    allow-query {{ any; }};
    allow-transfer {{ none; }};
    dnssec-validation no;
    notify no;
}};
controls {{ }};
key "{KEY_NAME}" {{ algorithm {KEY_ALGORITHM}; secret "{secret}"; }};
zone "{zone}" {{
    type primary;
    file "{d}/{zone}.zone";
    journal "{d}/{zone}.zone.jnl";
    allow-update {{ key "{KEY_NAME}"; }};
}};
logging {{
    channel to_file {{ file "{d}/named.log"; severity info; print-time yes; }};
    category default {{ to_file; }};
    category lame-servers {{ null; }};
}};
"""


def _zone(zone: str) -> str:
    return f"""$TTL 5
@   IN SOA ns.{zone}. hostmaster.{zone}. 1 60 60 600 5
@   IN NS  ns.{zone}.
ns  IN A   127.0.0.1
"""


def _wait_ready(server: DnsServer, deadline: float) -> None:
    assert server.process is not None
    log = server.directory / "named.log"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            text = log.read_text(errors="replace") if log.exists() else ""
            text += (server.process.stdout.read() or b"").decode(errors="replace") \
                if server.process.stdout else ""
            if in_use_message(text):
                raise PortInUse(text[-400:])
            raise RuntimeError(f"named exited ({server.process.returncode}): {text[-2000:]}")
        with contextlib.suppress(dns.exception.DNSException, OSError):
            if server.query(server.zone, "SOA"):
                return
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("named did not answer within its deadline")


def start_dns_server(directory: Path, zone: str = "acme.test") -> DnsServer:
    """Starts ``named`` in ``directory`` (created) and waits until it answers for the zone.
    Skips the test without ``named`` (fails under CI)."""
    require_peer(named_available(), "BIND 9 named", install=INSTALL)
    directory.mkdir(parents=True, exist_ok=True)
    secret = base64.b64encode(secrets.token_bytes(32)).decode()
    (directory / "update.key").write_text(
        f'key "{KEY_NAME}" {{ algorithm {KEY_ALGORITHM}; secret "{secret}"; }};\n')

    def start(port: int) -> DnsServer:
        for stale in directory.glob(f"{zone}.zone*"):
            stale.unlink()
        (directory / f"{zone}.zone").write_text(_zone(zone))
        conf = directory / "named.conf"
        conf.write_text(_config(directory, zone, port, secret))
        (directory / "named.log").write_text("")
        server = DnsServer(directory, zone, port, secret)
        # -f: foreground; -n 1: one worker (2 shared cores); -4: IPv4 only. As root it
        # would switch to the "bind" user, which cannot write here: -u is the caller.
        args = [NAMED or "named", "-f", "-4", "-n", "1", "-c", str(conf)]
        if os.geteuid() == 0:
            args += ["-u", "root"]
        server.process = subprocess.Popen(args, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, cwd=directory)
        _wait_ready(server, time.monotonic() + 60)
        return server

    return start_with_free_port(start)


@contextlib.contextmanager
def running_dns_server(directory: Path, zone: str = "acme.test") -> Iterator[DnsServer]:
    server = start_dns_server(directory, zone)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def dns_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DnsServer]:
    """A ``named`` for the test module (import this fixture into the module to use it)."""
    with running_dns_server(tmp_path_factory.mktemp("named")) as server:
        yield server
