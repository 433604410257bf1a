"""Agent sync benchmark: the mutual-TLS agent server (`certyard agent server`, one uvicorn
process) answering one sync from each of N simulated agents, every agent with its own client
certificate from the built-in CA and a fresh TLS connection (as a real agent does once per
interval). Two rounds: no change (the agent's version is current -> 304) and after one trust
certificate changed (full desired state, keys included). Reported: syncs/s, p50/p99 latency,
and the time for all N agents. Goal: 1,000 agents within 10 s.

The peer: `openssl s_server -WWW` with client-certificate verification serving the same
desired-state JSON as a static file, met by the same client: the cost of mutual TLS plus the
bytes, without any database or logic.

    python benchmarks/agent_sync.py [--agents 1000] [--nodes 10] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

from benchmarks._common import bench_dir, require_installed_stack
from benchmarks._common import free_port as _free_port
from certyard import ca, cluster
from certyard.config import Settings
from certyard.context import open_context


def setup(home: Path, env: dict[str, str], agents: int, nodes: int) -> tuple[list[Path], Path]:
    from certyard.db.models import Node
    from certyard.db.models.agent import AgentCredential

    ctx = open_context(Settings.from_env(env))
    cluster.init_cluster(ctx, name="pub", fqdn="pub.bench.example.com")
    for i in range(1, nodes):
        cluster.add_node(ctx, f"sub{i}", fqdn=f"sub{i}.bench.example.com")
    ca.init_ca(ctx, common_name="Bench Agent CA")
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "certyard-agent")]))
           .sign(key, hashes.SHA256()))
    issued = ca.issue_certificates_for_csrs(ctx, [csr] * agents, profile="client")
    key_file = home / "agent-key.pem"
    key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    files = []
    with ctx.transaction() as s:
        node_ids = [n.id for n in s.query(Node).order_by(Node.id)]
        for i, item in enumerate(issued):
            cert = x509.load_pem_x509_certificate(item.pem.encode())
            f = home / "agents" / f"{i}.pem"
            f.parent.mkdir(exist_ok=True)
            f.write_bytes(item.pem.encode())
            files.append(f)
            import hashlib
            s.add(AgentCredential(node_id=node_ids[i % len(node_ids)], serial=item.serial,
                                  fingerprint_sha256=hashlib.sha256(
                                      cert.public_bytes(Encoding.DER)).hexdigest(),
                                  not_after=cert.not_valid_after_utc,
                                  created_at=ctx.clock.now()))
    chain = ca.export_ca(ctx, format="pem", chain=True)
    (home / "ca.pem").write_bytes(chain)
    ctx.engine.dispose()
    return files, key_file


async def _one(port: int, sc: ssl.SSLContext, path: str, etag: str | None) -> tuple[float, int]:
    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=sc,
                                                   server_hostname="localhost")
    head = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    if etag:
        head += f'If-None-Match: "{etag}"\r\n'
    writer.write((head + "\r\n").encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return (time.perf_counter() - t0) * 1000, status


async def round_(port: int, contexts: list[ssl.SSLContext], path: str, etags: list[str | None],
                 concurrency: int) -> tuple[float, list[float], dict[int, int]]:
    sem = asyncio.Semaphore(concurrency)
    lat: list[float] = []
    statuses: dict[int, int] = {}

    async def go(i: int) -> None:
        async with sem:
            try:
                ms, st = await _one(port, contexts[i], path, etags[i])
            except Exception:
                ms, st = float("nan"), -1
            lat.append(ms)
            statuses[st] = statuses.get(st, 0) + 1

    t0 = time.perf_counter()
    await asyncio.gather(*(go(i) for i in range(len(contexts))))
    return time.perf_counter() - t0, lat, statuses


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(x for x in xs if x == x)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))] if xs else float("nan")


def _print(title: str, n: int, secs: float, lat: list[float], st: dict[int, int]) -> None:
    print(f"{title:<44} {n / secs:>8.0f} syncs/s  all {n} in {secs:5.2f}s  "
          f"p50 {_pct(lat, 50):6.1f} ms  p99 {_pct(lat, 99):7.1f} ms  status {st}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    home = bench_dir("certyard-agent-bench-")
    env = {"CERTYARD_HOME": str(home),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    t0 = time.perf_counter()
    files, key_file = setup(home, env, args.agents, args.nodes)
    print(f"setup: {args.nodes} nodes, {args.agents} agent certificates "
          f"({time.perf_counter() - t0:.1f}s)")
    contexts = []
    for f in files:
        sc = ssl.create_default_context(cafile=str(home / "ca.pem"))
        sc.load_cert_chain(f, key_file)
        contexts.append(sc)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "certyard.cli.main", "agent", "server", "--host", "127.0.0.1",
         "--port", str(port)], env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                asyncio.run(_one(port, contexts[0], "/agent/v1/trustlist", None))
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        # Warm-up: every agent syncs once (this is also the "initial sync" figure).
        secs, lat, st = asyncio.run(round_(port, contexts, "/agent/v1/state",
                                           [None] * len(contexts), args.concurrency))
        _print("certyard: first sync (full state)", len(contexts), secs, lat, st)
        ctx = open_context(Settings.from_env(env))
        from certyard.cluster.desired import desired_state
        from certyard.db.models import Node
        with ctx.read() as s:
            nodes = list(s.query(Node).order_by(Node.id))
            versions = [desired_state(ctx, s, n)["version"] for n in nodes]
            sample = json.dumps(desired_state(ctx, s, nodes[0])).encode()
        etags: list[str | None] = [versions[i % len(nodes)] for i in range(len(contexts))]
        secs, lat, st = asyncio.run(round_(port, contexts, "/agent/v1/state", etags,
                                           args.concurrency))
        _print("certyard: no change (304)", len(contexts), secs, lat, st)
        from certyard.store import upload_trust_certificates
        k = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench New Root")])
        import datetime as dt
        now = dt.datetime.now(dt.timezone.utc)
        root = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(k.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + dt.timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                .sign(k, hashes.SHA256()))
        upload_trust_certificates(ctx, "tomcat-trust", root.public_bytes(Encoding.PEM))
        secs, lat, st = asyncio.run(round_(port, contexts, "/agent/v1/state", etags,
                                           args.concurrency))
        _print("certyard: one trust certificate changed", len(contexts), secs, lat, st)
        ctx.engine.dispose()
    finally:
        server.terminate()
        server.wait(timeout=20)
    # The peer: openssl s_server -WWW, client certificates verified, same state as a file.
    www = home / "www"
    (www / "agent" / "v1").mkdir(parents=True)
    (www / "agent" / "v1" / "state").write_bytes(sample)
    # The same server certificate and chain as certyard's listener, so the client does the
    # same verification work against both.
    srv_dir = home / "agent-server"
    (home / "peer.pem").write_bytes((srv_dir / "cert.pem").read_bytes()
                                    + (srv_dir / "key.pem").read_bytes())
    peer_contexts = []
    for f in files:
        sc = ssl.create_default_context(cafile=str(home / "ca.pem"))
        sc.load_cert_chain(f, key_file)
        peer_contexts.append(sc)
    port = _free_port()
    peer = subprocess.Popen(
        ["openssl", "s_server", "-quiet", "-accept", f"127.0.0.1:{port}", "-WWW", "-naccept",
         str(len(files) + 1), "-cert", str(home / "peer.pem"), "-Verify", "1",
         "-CAfile", str(home / "ca.pem")], cwd=www, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        asyncio.run(_one(port, peer_contexts[0], "/agent/v1/state", None))
        secs, lat, st = asyncio.run(round_(port, peer_contexts[:-1] or peer_contexts,
                                           "/agent/v1/state", [None] * len(files),
                                           args.concurrency))
        _print("openssl s_server -WWW: static state file", len(files) - 1, secs, lat, st)
    finally:
        peer.kill()
        peer.wait()


if __name__ == "__main__":
    require_installed_stack()
    main()
