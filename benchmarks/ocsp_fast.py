"""OCSP fast-path benchmark: ``certyard serve --ocsp-port`` (the pre-signed fast path on
uvloop + httptools) against ``openssl ocsp -index`` (signs every answer) and nginx serving
the same pre-signed responses as static files (the limit of the core), all with ``wrk``
(32 keep-alive connections, GET, nonce-free requests; see benchmarks/_load.py).

Runs, side by side in one invocation:
  * one process each, server pinned to core 0 (taskset) and wrk to core 1;
  * certyard with 1 and with 2 processes (``--ocsp-workers 2``, SO_REUSEPORT), both
    unpinned (two processes on one pinned core cannot scale), wrk unpinned too;
  * like for like on access records: certyard with its access log off (``--log-level
    warning``) and nginx with its access log on (certyard logs to a file by default);
  * the server's RSS before and after 3,000 distinct hostile ~15 KB nonce-free requests.
Prints req/s, p50/p99, errors and the ratios against the goals (>= 4x openssl, >= 40 %
of nginx, p99 <= 5 ms, two processes >= 1.7x one).

    python benchmarks/ocsp_fast.py [--certs 500] [--seconds 8] [--connections 32]
Needs ``wrk`` and ``nginx`` (Debian: apt-get install wrk nginx).
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from benchmarks._common import bench_dir
from benchmarks._load import LoadResult, have_wrk, run_wrk
from benchmarks.ca_ocsp import _check_answers, _free_port, _pin, _setup, _stop, _wait_ready
from certyard.ca.ocsp_export import export_ocsp_responses
from certyard.config import Settings
from certyard.context import open_context

ROOT = Path(__file__).resolve().parent.parent


def _line(name: str, r: LoadResult) -> str:
    return (f"{name:<46} {r.rate:>9.0f} req/s   p50 {r.p50_ms:>6.2f} ms   "
            f"p99 {r.p99_ms:>7.2f} ms   errors {r.errors}")


def _rss_kib(pid: int) -> int:
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _wait_listening(port: int, processes: int) -> None:
    """Until ``processes`` processes listen on ``port`` (each binds once it has loaded)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True,
                             text=True, check=False).stdout
        if len({x.split(",")[0] for x in out.split("pid=")[1:]}) >= processes:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{processes} processes did not listen on {port}")


def _certyard(env: dict[str, str], workers: int, cpu: int | None, *, log: Path,
              access_log: bool = True) -> subprocess.Popen[bytes]:
    """``certyard serve`` as installed; its log (access records at the default level, info)
    goes to ``log``, a file, as nginx's access log does. ``access_log=False``: ``--log-level
    warning``, the way an administrator turns access records off."""
    port = _free_port()
    level = [] if access_log else ["--log-level", "warning"]  # a global option
    cmd = [sys.executable, "-c", "from certyard.cli.main import run; run()", *level, "serve",
           "--host", "127.0.0.1", "--https-port", str(_free_port()), "--http-port", "0",
           "--ocsp-port", str(port), "--ocsp-workers", str(workers), "--no-jobs"]
    with log.open("ab") as out:
        proc = subprocess.Popen(_pin(cmd, cpu), env=env, stdout=subprocess.DEVNULL,
                                stderr=out, cwd=str(ROOT), start_new_session=True)
    proc.port = port  # type: ignore[attr-defined]
    return proc


def _openssl(d: Path, cpu: int | None) -> subprocess.Popen[bytes]:
    port = _free_port()
    cmd = ["openssl", "ocsp", "-index", str(d / "index.txt"), "-port", str(port),
           "-rsigner", str(d / "ca.pem"), "-rkey", str(d / "ca.key"), "-CA",
           str(d / "ca.pem"), "-nmin", "60"]
    proc = subprocess.Popen(_pin(cmd, cpu), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    proc.port = port  # type: ignore[attr-defined]
    return proc


def _nginx(static: Path, cpu: int | None, *, access_log: bool = False) -> subprocess.Popen[bytes]:
    port = _free_port()
    conf = static.parent / "nginx.conf"
    logging = (f"access_log {static.parent}/nginx-access.log;" if access_log
               else "access_log off;")
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {static.parent}/nginx.pid;
error_log {static.parent}/nginx-error.log error;
events {{ worker_connections 1024; }}
http {{
  {logging}
  keepalive_requests 10000000;
  client_body_temp_path {static.parent}/tmp;
  proxy_temp_path {static.parent}/tmp;
  fastcgi_temp_path {static.parent}/tmp;
  uwsgi_temp_path {static.parent}/tmp;
  scgi_temp_path {static.parent}/tmp;
  server {{
    listen 127.0.0.1:{port};
    location /b64/ {{ root {static}; default_type application/ocsp-response; }}
  }}
}}
""")
    (static.parent / "tmp").mkdir(exist_ok=True)
    proc = subprocess.Popen(_pin(["nginx", "-c", str(conf), "-p", str(static.parent)], cpu),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    proc.port = port  # type: ignore[attr-defined]
    return proc


def _hostile(port: int, certs: list[x509.Certificate], issuer: x509.Certificate) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for i in range(3000):
            b = ocsp.OCSPRequestBuilder().add_certificate(certs[i % len(certs)], issuer,
                                                          hashes.SHA1())
            b = b.add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.55555.3"), os.urandom(15_000)),
                critical=False)
            client.post("/ocsp", content=b.build().public_bytes(Encoding.DER))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--certs", type=int, default=500)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--connections", type=int, default=32)
    args = p.parse_args()
    if not have_wrk() or not shutil.which("nginx"):
        print("needs wrk and nginx: apt-get install wrk nginx", file=sys.stderr)
        return 1
    home = bench_dir("certyard-bench-ocspfast-")
    env, paths, status, serials, d = _setup(args.certs, home)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])  # this tree's code
    ctx = open_context(Settings.from_env(env))
    export = export_ocsp_responses(ctx, home / "static" / "b64-root", presign=False)
    with ctx.read() as s:
        from sqlalchemy import select

        from certyard.db.models.ca import CaCertificate, CaIssued

        ders = list(s.scalars(select(CaIssued.der).where(CaIssued.profile == "server")))
        issuer = x509.load_der_x509_certificate(s.scalars(select(CaCertificate.der)).first())
    ctx.engine.dispose()
    certs = [x509.load_der_x509_certificate(x) for x in ders]
    static = Path(export.directory)
    # nginx's worker (www-data) must reach the files: traverse-only on the temporary home.
    home.chmod(0o711)
    for path in (static.parent, static, static / "b64"):
        path.chmod(0o755)
    b64_paths = []
    for x in paths:  # the same requests, named as ocsp-export names them (base64url)
        raw = base64.b64decode(x[1:].replace("%2B", "+").replace("%2F", "/")
                               .replace("%3D", "="))
        b64_paths.append("/b64/" + base64.urlsafe_b64encode(raw).decode().rstrip("="))
    ours = ["/ocsp" + x for x in paths]
    cores = len(os.sched_getaffinity(0))
    server_cpu, wrk_cpu = (0, 1) if cores >= 2 else (None, None)

    log = home / "serve.log"
    runs: list[tuple[str, Any, list[str], int | None, bool]] = [
        ("certyard fast path, 1 process (core 0)",
         lambda: _certyard(env, 1, server_cpu, log=log), ours, wrk_cpu, True),
        ("openssl ocsp -index, keep-alive (core 0)", lambda: _openssl(d, server_cpu),
         paths, wrk_cpu, True),
        ("openssl ocsp -index, new connections (core 0)", lambda: _openssl(d, server_cpu),
         paths, wrk_cpu, False),
        ("nginx static files, 1 worker (core 0)", lambda: _nginx(static, server_cpu),
         b64_paths, wrk_cpu, True),
        ("certyard fast path, 1 process (unpinned)", lambda: _certyard(env, 1, None, log=log),
         ours, None, True),
        ("certyard fast path, 2 processes (unpinned)", lambda: _certyard(env, 2, None, log=log),
         ours, None, True),
        # Like for like on access records: both off, and both writing one line per answer.
        ("certyard fast path, access log off (core 0)",
         lambda: _certyard(env, 1, server_cpu, log=log, access_log=False), ours, wrk_cpu,
         True),
        ("nginx static files, access log on (core 0)",
         lambda: _nginx(static, server_cpu, access_log=True), b64_paths, wrk_cpu, True),
    ]
    results: dict[str, LoadResult] = {}
    rss: tuple[int, int] | None = None
    for name, start, urls, cpu, keepalive in runs:
        proc = start()
        try:
            port = proc.port  # type: ignore[attr-defined]
            _wait_ready(port, urls[0], proc)
            if not name.startswith("nginx"):
                _check_answers(port, urls, status, serials)
            if name.startswith("certyard"):
                _wait_listening(port, 2 if "2 processes" in name else 1)
            print(f"loading {name}", file=sys.stderr)
            results[name] = run_wrk(f"http://127.0.0.1:{port}", urls, seconds=args.seconds,
                                    connections=args.connections, cpu=cpu,
                                    keepalive=keepalive)
            if rss is None and name.startswith("certyard"):
                before = _rss_kib(proc.pid)
                _hostile(port, certs, issuer)
                rss = (before, _rss_kib(proc.pid))
        finally:
            _stop(proc)
    print(f"OCSP over GET, {args.certs} certificates ({args.certs // 10} revoked), wrk "
          f"{args.connections} keep-alive connections, {args.seconds:g} s per run, "
          f"{cores} cores (shared machine: figures vary with its load)")
    for name, r in results.items():
        print(_line(name, r))
    names = list(results)
    ours1 = results[names[0]]
    openssl_best = max(results[names[1]].rate, results[names[2]].rate)
    nginx = results[names[3]]
    scale = results[names[5]].rate / max(results[names[4]].rate, 1e-9)
    print(f"ratio certyard / openssl ocsp (best of the two): {ours1.rate / openssl_best:.2f}x"
          f"  (goal >= 4x)")
    print(f"ratio certyard / nginx: {ours1.rate / max(nginx.rate, 1e-9):.0%}  (goal >= 40%)"
          f"  [certyard logs each answer, nginx does not]")
    quiet, nginx_logged = results[names[6]], results[names[7]]
    print(f"  like for like, both logging each answer: "
          f"{ours1.rate / max(nginx_logged.rate, 1e-9):.0%}; neither logging: "
          f"{quiet.rate / max(nginx.rate, 1e-9):.0%}")
    print(f"  certyard / openssl ocsp with its access log off: "
          f"{quiet.rate / openssl_best:.2f}x")
    print(f"certyard p99 at that rate: {ours1.p99_ms:.2f} ms  (goal <= 5 ms)")
    print(f"two processes / one (unpinned): {scale:.2f}x  (goal >= 1.7x)")
    if rss is not None:
        print(f"RSS of certyard serve before / after 3,000 distinct 15 KB hostile requests: "
              f"{rss[0] / 1024:.1f} / {rss[1] / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
