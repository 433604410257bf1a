"""Probe many loopback TLS endpoints (versions + chain + validation) with certyard and with
sslscan, and compare wall time and the version findings.

    python benchmarks/probe_endpoints.py [--count 500] [--concurrency 64] [--servers 2]

The endpoints are served by child processes (one port each); half of them accept
TLS 1.0-1.3 (security level 0), half only TLS 1.2-1.3. sslscan runs one target at a time,
as it does with --targets, limited to protocol detection (no cipher enumeration) to keep
the comparison fair. The same server processes answer both tools, and the CPU time
they use during each tool's run is printed, to show the servers are not what limits
either side.

certyard does one full handshake per endpoint (chain, negotiated version and cipher) and
asks each lower version with a ClientHello read up to the ServerHello; a chain presented by
many endpoints is judged once per batch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import bench_dir, require_installed_stack
from certyard.probe import check_endpoints
from tests.probe.tlspki import issue, pem

# One process serves many ports: a selector accepts on every listening socket and a thread
# pool runs each TLS handshake in OpenSSL with blocking sockets (the GIL is released while
# it works), which costs the server far less than asyncio's Python-level TLS layer.
SERVER = r'''
import json, selectors, socket, ssl, sys, warnings
from concurrent.futures import ThreadPoolExecutor
warnings.simplefilter("ignore", DeprecationWarning)
cfg = json.loads(sys.argv[1])
sel = selectors.DefaultSelector()
ports = []
for i in range(cfg["count"]):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    old = (i + cfg['offset']) % 2
    ctx.minimum_version = ssl.TLSVersion.TLSv1 if old else ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cfg["chain"], cfg["key"])
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(256)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, ctx)
    ports.append(lsock.getsockname()[1])
print(json.dumps(ports), flush=True)
pool = ThreadPoolExecutor(32)
def serve(conn, ctx):
    try:
        conn.settimeout(5)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)
    except Exception:
        pass
    finally:
        conn.close()
while True:
    for key, _ in sel.select():
        try:
            conn, _ = key.fileobj.accept()
        except BlockingIOError:
            continue
        conn.setblocking(True)
        pool.submit(serve, conn, key.data)
'''


def sslscan_versions(target: str) -> list[str]:
    out = subprocess.run(["sslscan", "--no-colour", "--no-ciphersuites", "--no-heartbleed",
                          "--no-renegotiation", "--no-compression", "--no-groups",
                          "--no-fallback", target], capture_output=True, text=True,
                         timeout=120).stdout
    return sorted(re.findall(r"^TLSv(1\.[0-3])\s+enabled", out, flags=re.M))


def _server_cpu(procs: list[subprocess.Popen]) -> float:  # type: ignore[type-arg]
    """User+system CPU seconds the server processes have used so far (Linux /proc)."""
    import os

    total = 0.0
    for proc in procs:
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")
    return total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--servers", type=int, default=2, help="server processes")
    args = ap.parse_args()
    if shutil.which("sslscan") is None:
        print("sslscan is not installed", file=sys.stderr)
        return 1
    now = dt.datetime.now(dt.timezone.utc)
    root = issue("Bench Root", ca=True, start=now - dt.timedelta(days=1))
    leaf = issue("bench.example", issuer=root, sans=("bench.example",),
                 start=now - dt.timedelta(days=1))
    tmp = bench_dir("certyard-probe-bench-")
    (tmp / "chain.pem").write_bytes(pem(leaf))
    (tmp / "key.pem").write_bytes(leaf.key_pem)
    cfg = {"count": args.count, "chain": str(tmp / "chain.pem"), "key": str(tmp / "key.pem")}
    # The endpoints are split over a few server processes so that the servers, not the
    # probing side, are not the single-threaded bottleneck.
    per = [args.count // args.servers + (i < args.count % args.servers)
           for i in range(args.servers)]
    procs = [subprocess.Popen([sys.executable, "-c", SERVER,
                               json.dumps({**cfg, "count": n, "offset": i})],
                              stdout=subprocess.PIPE, text=True, stderr=subprocess.DEVNULL)
             for i, n in enumerate(per) if n]
    try:
        ports = []
        for proc in procs:
            assert proc.stdout is not None
            ports += json.loads(proc.stdout.readline())
        targets = [f"127.0.0.1:{p}" for p in ports]
        cpu0 = _server_cpu(procs)
        t0 = time.perf_counter()
        reports = check_endpoints(targets, anchors=[root.cert], now=now, min_version="1.2",
                                  concurrency=args.concurrency)
        ours = time.perf_counter() - t0
        cpu1 = _server_cpu(procs)
        t0 = time.perf_counter()
        peer = [sslscan_versions(t) for t in targets]
        theirs = time.perf_counter() - t0
        cpu2 = _server_cpu(procs)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
    same = sum(r.versions == p for r, p in zip(reports, peer, strict=True))
    flagged = sum("version_below_minimum" in r.flags for r in reports)
    print(f"endpoints {len(targets)}: certyard {ours:.2f} s, sslscan {theirs:.2f} s, "
          f"speed-up {theirs / ours:.1f}x; identical version findings {same}/{len(targets)}; "
          f"below-minimum flagged {flagged}")
    print(f"server CPU during certyard's run {cpu1 - cpu0:.2f} s, during sslscan's "
          f"{cpu2 - cpu1:.2f} s (wall {ours:.2f} s / {theirs:.2f} s, "
          f"{len(procs)} server processes)")
    return 0 if same == len(targets) else 1


if __name__ == "__main__":
    require_installed_stack()
    sys.exit(main())
