"""Two ``certyard serve`` replicas behind the example load balancer (deploy/replicas.sh:
PostgreSQL, two replicas, HAProxy passing TLS through with ``leastconn``): dehydrated,
which opens a new connection for every request, registers and completes an order for two
names through http-01 while HAProxy's counters show both replicas served it. Nonces,
accounts, orders and challenge results live in the shared database, so a request may land
on either replica."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from certyard import acme
from certyard.config import Settings
from certyard.context import open_context
from tests.acme.helpers import _root_and_chain
from tests.acme.lab import leaf_of, sans
from tests.acme.test_clients_dehydrated import web_root
from tests.support.dns import DnsServer
from tests.support.peers import requires_peer
from tests.support.ports import free_port
from tests.support.postgres import find_pg_bin

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "replicas.sh"
DEHYDRATED = shutil.which("dehydrated")
pytestmark = [pytest.mark.slow,
              requires_peer(shutil.which("haproxy") is not None and find_pg_bin() is not None,
                            "haproxy and PostgreSQL",
                            install="apt-get install haproxy postgresql"),
              requires_peer(DEHYDRATED is not None, "dehydrated",
                            install="apt-get install dehydrated")]


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, dict[str, str]]]:
    ports = {k: str(free_port()) for k in ("PG_PORT", "R1_HTTPS", "R1_HTTP", "R2_HTTPS",
                                           "R2_HTTP", "FRONT_HTTPS", "FRONT_HTTP")}
    env = {**os.environ, **ports}
    env.pop("CERTYARD_HOME", None)
    base = Path(tempfile.mkdtemp(prefix="certyard-acme-ha-"))
    base.chmod(0o711)  # PostgreSQL runs as ``postgres`` and must reach DIR/pg
    d = base / "deploy"

    def run(cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), cmd, str(d)], env=env, capture_output=True,
                              text=True, timeout=240, check=False)

    try:
        started = run("start")
        assert started.returncode == 0, (started.stdout, started.stderr)
        monkeypatch.setenv("PGPASSFILE", str(d / "pgpass"))
        yield d, ports
    finally:
        stopped = run("stop")
        assert stopped.returncode == 0, stopped.stderr
        shutil.rmtree(base, ignore_errors=True)


def _https_sessions(sock_path: Path) -> dict[str, int]:
    """Connections HAProxy handed to each replica on the HTTPS front ("stot")."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(sock_path))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    out = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "certyard_https" and row.get("svname") in ("r1", "r2"):
            out[row["svname"]] = int(row["stot"])
    return out


def test_order_completes_across_two_replicas(deployment: tuple[Path, dict[str, str]],
                                             dns_server: DnsServer, tmp_path: Path) -> None:
    d, ports = deployment
    ctx = open_context(Settings.from_env({
        "CERTYARD_HOME": str(tmp_path / "admin"),
        "CERTYARD_DATABASE_URL":
            f"postgresql+psycopg://postgres@127.0.0.1:{ports['PG_PORT']}/certyard",
        "CERTYARD_MASTER_KEY": (d / "master.key").read_text().strip()}))
    http_port = free_port()
    acme.add_profile(ctx, "ha", allowed_suffixes=[dns_server.zone], days=30)
    acme.update_acme_settings(ctx, http_port=http_port, timeout=10,
                              dns_resolver=f"{dns_server.address}:{dns_server.port}")
    names = []
    for label in ("ha-a", "ha-b"):
        dns_server.add_a(dns_server.name(label), "127.0.0.1")
        names.append(dns_server.name(label))

    # The replicas serve the certificate kept in the database; trust exactly that one.
    front = int(ports["FRONT_HTTPS"])
    served = ssl.get_server_certificate(("127.0.0.1", front))
    (tmp_path / "served.pem").write_text(served)
    from cryptography import x509

    host = x509.load_pem_x509_certificate(served.encode()).extensions \
        .get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.DNSName)[0]
    before = _https_sessions(d / "haproxy.sock")

    base = tmp_path / "dehydrated"
    wellknown = base / "www" / ".well-known" / "acme-challenge"
    wellknown.mkdir(parents=True)
    config = base / "config"
    config.write_text(f'''CA="https://{host}:{front}/acme/ha/directory"
BASEDIR="{base}"
WELLKNOWN="{wellknown}"
CONTACT_EMAIL="ops@example.com"
KEY_ALGO=prime256v1
CURL_OPTS="--cacert {tmp_path / 'served.pem'} --resolve {host}:{front}:127.0.0.1"
''')

    def dehydrated(*args: str) -> None:
        done = subprocess.run([DEHYDRATED or "dehydrated", "-f", str(config), *args],
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

    with web_root(base / "www", http_port):
        dehydrated("--register", "--accept-terms")
        dehydrated("--cron", *[a for n in names for a in ("-d", n)])
    cert = base / "certs" / names[0] / "cert.pem"
    assert sans(leaf_of(cert)) == sorted(names)
    [order] = acme.list_orders(ctx, profile="ha")
    assert order.status == "valid" and sorted(order.identifiers) == sorted(names)

    after = _https_sessions(d / "haproxy.sock")
    took = {r: after[r] - before.get(r, 0) for r in ("r1", "r2")}
    print("HTTPS connections per replica:", took)
    assert took["r1"] >= 3 and took["r2"] >= 3, took  # both replicas served the client

    (tmp_path / "ca").mkdir()
    root, chain = _root_and_chain(ctx, tmp_path / "ca")
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(root), "-untrusted",
                             str(chain), str(cert)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert verify.returncode == 0 and ": OK" in verify.stdout, verify.stdout + verify.stderr
    ctx.engine.dispose()
