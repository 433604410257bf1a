"""OCSP benchmark: certyard's responder as a fresh install runs it (``certyard serve``'s
plain-HTTP listener: the OCSP fast path on uvloop + httptools, no flag) against ``openssl ocsp
-index ... -port`` on loopback: same certificates, same load generator (``wrk``, see
benchmarks/_load.py), OCSP over GET (RFC 6960 A.1: ``<responder URL>/<url-encoded base64 DER
request>``, which both responders answer), keep-alive, fixed connections and duration,
nonce-free requests (the cacheable case relying parties send through caches). Requests/s and
p50/p99 latency, ratios printed.

Runs, side by side in one invocation:
  * one process each, server pinned to core 0 and wrk to core 1 (``openssl ocsp`` without
    ``-multi`` is a single process answering one connection at a time);
  * ``--workers`` certyard processes (``--ocsp-workers``: SO_REUSEPORT on the same port) vs
    ``openssl ocsp -multi`` with as many processes, unpinned (wrk then shares the cores).

    python benchmarks/ca_ocsp.py [--certs 500] [--seconds 10] [--connections 32]
                                 [--workers 2]
Needs ``wrk`` (Debian: apt-get install wrk). benchmarks/ocsp_fast.py adds nginx serving the
same pre-signed bytes and the hostile-request memory check.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from benchmarks._common import bench_dir, require_installed_stack
from benchmarks._common import free_port as _free_port
from benchmarks._load import LoadResult, have_wrk, run_wrk
from benchmarks.ca_issuance import make_csrs
from certyard import ca
from certyard.ca.build import build_ca_certificate
from certyard.cluster import init_cluster
from certyard.config import Settings
from certyard.context import open_context
from certyard.x509 import random_serial


def _get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as resp:
        return bytes(resp.read())


def _wait_ready(port: int, path: str, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Poll with a real request: openssl's responder would block on a probe connection
    that sends nothing."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            _get(port, path)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def _check_answers(port: int, paths: list[str], expected: list[ocsp.OCSPCertStatus],
                   serials: list[int]) -> None:
    """Both responders must give the right answer before their speed means anything."""
    for i in range(0, len(paths), max(1, len(paths) // 25)):
        resp = ocsp.load_der_ocsp_response(_get(port, paths[i]))
        assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL, i
        assert resp.serial_number == serials[i] and resp.certificate_status == expected[i], i


def _pin(cmd: list[str], cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu), *cmd] if cpu is not None and shutil.which("taskset") \
        else cmd


def _stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """End the server and its worker processes (its own process group: uvicorn gets a new
    session, ``openssl ocsp -multi`` makes its own group and ignores a plain SIGTERM)."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        proc.kill()
        proc.wait(timeout=5)


def _line(name: str, r: LoadResult) -> str:
    return (f"{name:<44} {r.rate:>9.0f} req/s   p50 {r.p50_ms:>6.2f} ms   "
            f"p99 {r.p99_ms:>6.2f} ms   errors {r.errors}")


def _setup(n: int, home: Path) -> tuple[dict[str, str], list[str], list[Any], list[int], Path]:
    env = {**os.environ, "CERTYARD_HOME": str(home),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop("CERTYARD_DATABASE_URL", None)
    ctx = open_context(Settings.from_env(env))
    init_cluster(ctx, name="bench", fqdn="bench.example.com")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench OCSP CA")])
    issuer = build_ca_certificate(subject=name, public_key=key.public_key(), issuer=None,
                                  signer=key, serial=random_serial(),
                                  not_before=now - dt.timedelta(hours=1),
                                  not_after=now + dt.timedelta(days=3650), path_length=None,
                                  urls=None)
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    ca.import_ca(ctx, issuer.public_bytes(Encoding.PEM), key_pem)
    views = ca.issue_certificates_for_csrs(ctx, make_csrs(n), profile="server")
    revoked = {v.serial for v in views[: len(views) // 10]}
    for serial in revoked:
        ca.revoke_certificate(ctx, serial, reason="keyCompromise")
    ca.presign_responses(ctx)
    ctx.engine.dispose()
    certs = [x509.load_pem_x509_certificate(v.pem.encode()) for v in views]
    paths = []
    for c in certs:
        der = ocsp.OCSPRequestBuilder().add_certificate(c, issuer, hashes.SHA1()).build() \
            .public_bytes(Encoding.DER)
        b64 = base64.b64encode(der).decode()
        paths.append("/" + b64.replace("+", "%2B").replace("/", "%2F")
                     .replace("=", "%3D"))
    status = [ocsp.OCSPCertStatus.REVOKED if format(c.serial_number, "x") in revoked
              else ocsp.OCSPCertStatus.GOOD for c in certs]
    d = home / "openssl"
    d.mkdir()
    (d / "ca.pem").write_bytes(issuer.public_bytes(Encoding.PEM))
    (d / "ca.key").write_bytes(key_pem)
    with open(d / "index.txt", "w") as fh:
        for c, st in zip(certs, status, strict=True):
            exp = c.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
            serial = format(c.serial_number, "X")
            serial = serial if len(serial) % 2 == 0 else "0" + serial
            subj = "/CN=" + str(c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
            if st == ocsp.OCSPCertStatus.REVOKED:
                fh.write(f"R\t{exp}\t{now.strftime('%y%m%d%H%M%SZ')},keyCompromise\t"
                         f"{serial}\tunknown\t{subj}\n")
            else:
                fh.write(f"V\t{exp}\t\t{serial}\tunknown\t{subj}\n")
    return env, paths, status, [c.serial_number for c in certs], d


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--certs", type=int, default=500)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = p.parse_args()
    if not have_wrk():
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 1
    home = bench_dir("certyard-bench-ocsp-")
    env, paths, status, serials, d = _setup(args.certs, home)
    cores = len(os.sched_getaffinity(0))
    one = (0, 1) if cores >= 2 else (None, None)  # (server core, wrk core)

    def certyard(workers: int, cpu: int | None) -> subprocess.Popen:  # type: ignore[type-arg]
        # Exactly what a user runs: `certyard serve` with the default plain-HTTP listener
        # (no extra flag), extra processes sharing its port for --workers > 1.
        port = _free_port()
        # sys.executable: the certyard of the interpreter whose stack was just checked,
        # never whichever `certyard` comes first on PATH.
        cmd = [sys.executable, "-c", "from certyard.cli.main import run; run()", "serve",
               "--host", "127.0.0.1",
               "--https-port", str(_free_port()), "--http-port", str(port),
               "--ocsp-workers", str(workers), "--no-jobs"]
        proc = subprocess.Popen(_pin(cmd, cpu), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                cwd=str(Path(__file__).resolve().parent.parent),
                                start_new_session=True)
        proc.port = port  # type: ignore[attr-defined]
        return proc

    def openssl(multi: int, cpu: int | None) -> subprocess.Popen:  # type: ignore[type-arg]
        port = _free_port()
        cmd = ["openssl", "ocsp", "-index", str(d / "index.txt"), "-port", str(port),
               "-rsigner", str(d / "ca.pem"), "-rkey", str(d / "ca.key"), "-CA",
               str(d / "ca.pem"), "-nmin", "60"]
        if multi > 1:
            cmd += ["-multi", str(multi)]
        proc = subprocess.Popen(_pin(cmd, cpu), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                start_new_session=multi <= 1)  # -multi makes its own group
        proc.port = port  # type: ignore[attr-defined]
        return proc

    # The same request bytes at each responder's own URL: certyard's AIA URL is /ocsp,
    # openssl's responder decodes everything after the first "/".
    ours = ["/ocsp" + x for x in paths]
    w = args.workers
    # (name, server factory, wrk core, keep-alive, warm-up). openssl gets no warm-up (it
    # has no cache, and connections left over from one would hang it) and is measured
    # both with keep-alive and with a connection per request: one process serves one
    # connection at a time, so keep-alive starves the other connections.
    runs = [("certyard, 1 worker (pinned core)", lambda: certyard(1, one[0]), one[1], True,
             True),
            ("openssl ocsp, 1 process, keep-alive", lambda: openssl(1, one[0]), one[1], True,
             False),
            ("openssl ocsp, 1 process, new connections", lambda: openssl(1, one[0]), one[1],
             False, False),
            (f"certyard, {w} workers", lambda: certyard(w, None), None, True, True),
            (f"openssl ocsp -multi {w}, keep-alive", lambda: openssl(w, None), None, True,
             False),
            (f"openssl ocsp -multi {w}, new connections", lambda: openssl(w, None), None,
             False, False)]
    results: dict[str, LoadResult] = {}
    for name, start, wrk_cpu, keepalive, warm in runs:
        proc = start()
        urls = ours if name.startswith("certyard") else paths
        try:
            port = proc.port  # type: ignore[attr-defined]
            _wait_ready(port, urls[0], proc)
            _check_answers(port, urls, status, serials)
            if warm:  # fill every worker's cache
                run_wrk(f"http://127.0.0.1:{port}", urls, seconds=2,
                        connections=args.connections, cpu=wrk_cpu)
            print(f"loading {name}", file=sys.stderr)
            results[name] = run_wrk(f"http://127.0.0.1:{port}", urls, seconds=args.seconds,
                                    connections=args.connections, cpu=wrk_cpu,
                                    keepalive=keepalive)
        finally:
            _stop(proc)
    print(f"OCSP over GET, {args.certs} certificates ({args.certs // 10} revoked), wrk "
          f"{args.connections} keep-alive connections, {args.seconds:g} s per run, "
          f"{cores} cores")
    for name, r in results.items():
        print(_line(name, r))
    names = list(results)
    best1 = max(names[1:3], key=lambda n: results[n].rate)
    bestn = max(names[4:6], key=lambda n: results[n].rate)
    for ours_, theirs in ((names[0], best1), (names[3], bestn), (names[3], best1)):
        ratio = results[ours_].rate / max(results[theirs].rate, 1e-9)
        print(f"ratio {ours_} / {theirs}: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    require_installed_stack()
    sys.exit(main())
