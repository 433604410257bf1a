"""API issuance benchmark: CSR in over HTTPS with a token -> durable certificate out.

``certyard serve`` (a fresh install's stack: uvloop + httptools) pinned to core 0, ``wrk``
(C, keep-alive, one thread) pinned to core 1 posting distinct CSRs (one fresh EC P-256 key
each) with a Certificate Administrator's API token. EC P-256 CA. Durable: SQLite with
``synchronous=FULL`` in WAL mode, and a PostgreSQL started here with ``fsync=on`` and
``synchronous_commit=on`` (the server's defaults, unlike the test suite's throwaway one).

Measured per database, side by side in one run:
  * the one-call route ``POST /api/v1/ca/issued`` (submit and issue, group commit) with 4
    and with 32 connections;
  * the two-call path of before (``POST /ca/requests`` then ``POST /ca/requests/{id}/issue``
    on the same connection), 4 connections;
  * ``certyard serve --https-workers 2`` (SO_REUSEPORT) pinned to cores 0-1, wrk still on
    core 1 (so it shares that core with a worker): the one-call route, 4 and 32 connections,
    printed as a separate line "(2 workers, cores 0-1, wrk on core 1)";
  * the in-process rate beside them: ``ca.issue_certificates_for_csrs`` in batches of 2,000
    (as benchmarks/ca_issuance.py) and ``ca.submit_and_issue`` from 32 threads.
After each HTTP run the store is checked: every 201 is a stored certificate with a distinct
serial. Prints rates, p50/p99, errors and the ratios against the goal (>= 1,000/s).

    python benchmarks/api_issuance.py [--seconds 6] [--csrs 40000] [--in-process 2000]
                                      [--skip-postgres] [--workers 2]
Needs ``wrk`` (Debian: apt-get install wrk) and, for PostgreSQL, the server binaries.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
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
from cryptography.x509.oid import NameOID

from benchmarks._common import bench_dir, report  # noqa: F401  (checks the installed stack first)
from benchmarks._load import LoadResult, have_wrk
from benchmarks.ca_ocsp import _free_port, _pin, _stop
from certyard import accounts, ca
from certyard.ca.build import build_ca_certificate
from certyard.cluster import init_cluster
from certyard.config import Settings
from certyard.context import open_context
from certyard.x509 import random_serial

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1000.0

_LUA = r"""
wrk.resolve = function(host, service) wrk.addrs = wrk.lookup(host, service) end
local bodies = {}
for line in io.lines(os.getenv("CERTYARD_WRK_BODIES")) do bodies[#bodies + 1] = line end
local token = os.getenv("CERTYARD_WRK_TOKEN")
local mode = os.getenv("CERTYARD_WRK_MODE")
local threads = {}
setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
init = function(args)
  counter = tonumber(os.getenv("CERTYARD_WRK_OFFSET")) + id * 100003
  ok = 0
  bad = 0
  pending = {}  -- submitted request IDs waiting for their issue call (any connection)
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token,
             ["Connection"] = "keep-alive"}
end
request = function()
  if #pending > 0 then
    local rid = table.remove(pending, 1)
    return wrk.format("POST", "/api/v1/ca/requests/" .. rid .. "/issue", headers, "{}")
  end
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  if mode == "two" then
    return wrk.format("POST", "/api/v1/ca/requests", headers, body)
  end
  return wrk.format("POST", "/api/v1/ca/issued", headers, body)
end
response = function(status, headers, body)
  if mode == "two" and status == 201 then
    table.insert(pending, string.match(body, '"id":%s*(%d+)'))
    return
  end
  if (mode == "two" and status == 200) or (mode ~= "two" and status == 201) then
    ok = ok + 1
  else
    bad = bad + 1
  end
end
done = function(summary, latency, requests)
  local good, nbad = 0, 0
  for _, t in ipairs(threads) do
    good = good + (t:get("ok") or 0)
    nbad = nbad + (t:get("bad") or 0)
  end
  local e = summary.errors
  io.write("WRKJSON ", string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "ok": %d, "bad": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, good, nbad,
    latency:percentile(50), latency:percentile(99)))
end
"""


def make_csrs(n: int) -> list[x509.CertificateSigningRequest]:
    """One fresh key per CSR: every request is a distinct key, as from distinct clients."""
    out = []
    for i in range(n):
        key = ec.generate_private_key(ec.SECP256R1())
        name = f"host{i}.bench.example.com"
        out.append(x509.CertificateSigningRequestBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), False)
                   .sign(key, hashes.SHA256()))
    return out


class DurablePostgres:
    """A PostgreSQL on loopback with its durability defaults (fsync, synchronous_commit)."""

    def __init__(self) -> None:
        import glob

        hits = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not hits:
            raise RuntimeError("PostgreSQL server binaries not found")
        self.bin = Path(hits[-1]).parent
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="certyard-bench-pg-"))
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = str(self.dir / "data")
        self._run(str(self.bin / "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                  "-E", "UTF8")
        self._run(str(self.bin / "pg_ctl"), "-D", data, "-w", "-l", str(self.dir / "log"),
                  "-o", f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                  f"-c unix_socket_directories={self.dir} -c fsync=on "
                  "-c synchronous_commit=on -c full_page_writes=on -c max_connections=100",
                  "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                      "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def setup(database_url: str | None) -> tuple[dict[str, str], str]:
    home = bench_dir("certyard-bench-api-")
    env = {**os.environ, "CERTYARD_HOME": str(home),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("CERTYARD_DATABASE_URL", None)
    if database_url:
        env["CERTYARD_DATABASE_URL"] = database_url
    ctx = open_context(Settings.from_env(env))
    init_cluster(ctx, name="bench", fqdn="bench.example.com")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench API CA")])
    cert = build_ca_certificate(subject=name, public_key=key.public_key(), issuer=None,
                                signer=key, serial=random_serial(),
                                not_before=now - dt.timedelta(hours=1),
                                not_after=now + dt.timedelta(days=3650), path_length=None,
                                urls=None)
    ca.import_ca(ctx, cert.public_bytes(Encoding.PEM),
                 key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    accounts.create_user(ctx, "bench", role="Certificate Administrator",
                         password="Sturdy-Pass-42-Xq", must_change_password=False)
    token = accounts.create_token(ctx, "bench", name="bench")[1]
    ctx.engine.dispose()
    return env, token


def _server(env: dict[str, str], port: int, cpu: int | None,
            workers: int = 1) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", "from certyard.cli.main import run; run()", "serve",
           "--host", "127.0.0.1", "--https-port", str(port), "--http-port", "0",
           "--no-jobs", "--https-workers", str(workers)]
    if workers > 1 and cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", f"0-{workers - 1}", *cmd]  # every core the workers need
    else:
        cmd = _pin(cmd, cpu)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=str(ROOT), start_new_session=True)


def _listeners(port: int) -> int:
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True,
                         check=False).stdout
    return len(out.splitlines())


def _wait_ready(port: int, proc: subprocess.Popen[bytes], workers: int = 1) -> None:
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("certyard serve exited")
        if workers > 1 and shutil.which("ss") and _listeners(port) < workers:
            time.sleep(0.2)
            continue
        try:
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/readyz", timeout=2,
                                        context=tls):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("certyard serve did not become ready")


_TOTAL = [0]
_SENT = [0]  # CSRs handed out so far: each run starts after the last, so no key repeats


def _wrk(port: int, bodies: Path, token: str, mode: str, connections: int, seconds: float,
         cpu: int | None) -> tuple[LoadResult, int]:
    with tempfile.TemporaryDirectory(prefix="certyard-wrk-") as tmp:
        script = Path(tmp) / "issue.lua"
        script.write_text(_LUA)
        cmd = _pin(["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s",
                    "--timeout", "10s", "-s", str(script), f"https://127.0.0.1:{port}"], cpu)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             timeout=seconds + 120,
                             env={"PATH": "/usr/bin:/bin", "CERTYARD_WRK_BODIES": str(bodies),
                                  "CERTYARD_WRK_TOKEN": token,
                                  "CERTYARD_WRK_OFFSET": str(_SENT[0]),
                                  "CERTYARD_WRK_MODE": mode}).stdout
    data = json.loads(next(x for x in out.splitlines() if x.startswith("WRKJSON "))[8:])
    _SENT[0] += data["ok"] + data["bad"] + data["errors"] + 2 * connections
    if _SENT[0] > _TOTAL[0]:
        print(f"    note: more requests than distinct CSRs ({_TOTAL[0]}); keys repeated; "
              "raise --csrs")
    seconds_run = data["duration_us"] / 1e6
    result = LoadResult(requests=data["ok"], errors=data["errors"] + data["bad"],
                        seconds=seconds_run, p50_ms=data["p50_us"] / 1000,
                        p99_ms=data["p99_us"] / 1000)
    return result, data["ok"]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (its threads included) and of its live child
    processes (``--https-workers``)."""
    def one(p: int) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        kids += [int(x) for x in task.read_text().split()]
    return one(pid) + sum(one(k) for k in kids)


def _stored(env: dict[str, str]) -> tuple[int, int]:
    """(certificates stored, distinct serials) in the benchmark's store."""
    from sqlalchemy import func, select

    from certyard.db.models.ca import CaIssued

    ctx = open_context(Settings.from_env(env))
    try:
        with ctx.read() as s:
            n = s.scalar(select(func.count()).select_from(CaIssued)) or 0
            d = s.scalar(select(func.count(func.distinct(CaIssued.serial)))) or 0
        return int(n), int(d)
    finally:
        ctx.engine.dispose()


def _settled(env: dict[str, str]) -> tuple[int, int]:
    """The store once the requests wrk left in flight are done (the count stops moving)."""
    last = _stored(env)
    for _ in range(60):
        time.sleep(1)
        now = _stored(env)
        if now == last:
            return now
        last = now
    return last


def _in_process(env: dict[str, str], csrs: list[x509.CertificateSigningRequest],
                threads: int) -> tuple[float, float]:
    """(batched rate as in ca_issuance.py, submit_and_issue from ``threads`` threads),
    each on its own half of ``csrs``."""
    ctx = open_context(Settings.from_env(env))
    half = len(csrs) // 2
    first, second = csrs[:half], csrs[half:]
    t0 = time.perf_counter()
    for i in range(0, half, 2000):
        ca.issue_certificates_for_csrs(ctx, first[i:i + 2000], profile="server-client")
    batched = half / (time.perf_counter() - t0)
    n = len(second)
    pems = [c.public_bytes(Encoding.PEM) for c in second]
    it = iter(pems)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                pem = next(it, None)
            if pem is None:
                return
            ca.submit_and_issue(ctx, pem, profile="server-client")

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    grouped = n / (time.perf_counter() - t0)
    ctx.engine.dispose()
    return batched, grouped


def _line(name: str, r: LoadResult) -> str:
    return (f"  {name:<52} {r.rate:>8.0f}/s   p50 {r.p50_ms:>7.2f} ms   "
            f"p99 {r.p99_ms:>8.2f} ms   errors {r.errors}")


def run(label: str, database_url: str | None, bodies: Path,
        csrs: list[x509.CertificateSigningRequest], args: argparse.Namespace) -> dict[str, Any]:
    env, token = setup(database_url)
    cores = len(os.sched_getaffinity(0))
    server_cpu, client_cpu = (0, 1) if cores >= 2 else (None, None)
    results: dict[str, Any] = {}
    # One process pinned to core 0 (as before), then --https-workers 2 on cores 0-1: the
    # server may use both cores, and wrk, still pinned to core 1, shares that one with it.
    runs: list[tuple[int, str, tuple[tuple[str, int], ...]]] = [
        (1, "", (("one", 4), ("one", 32), ("two", 4)))]
    if args.workers > 1:
        where = (f"{args.workers} workers, cores 0-{args.workers - 1}, wrk on core 1"
                 if server_cpu is not None else f"{args.workers} workers")
        runs.append((args.workers, where, (("one", 4), ("one", 32))))
    for workers, where, plan in runs:
        port = _free_port()
        proc = _server(env, port, server_cpu, workers)
        try:
            _wait_ready(port, proc, workers)
            # Warm-up, not counted: FastAPI builds each route's state on its first match
            # (in each worker: 4 connections per worker).
            _wrk(port, bodies, token, "two", 4 * workers, 2, client_cpu)
            before = _settled(env)[0]  # the warm-up's requests still in flight count there
            for mode, conns in plan:
                cpu0 = _cpu_seconds(proc.pid)
                r, ok = _wrk(port, bodies, token, mode, conns, args.seconds, client_cpu)
                cpu = _cpu_seconds(proc.pid) - cpu0
                after, distinct = _settled(env)
                name = ("POST /ca/issued" if mode == "one"
                        else "POST /ca/requests + .../issue") + f", {conns} connections"
                if where:
                    name += f" ({where})"
                print(_line(f"{label}: {name}", r)
                      + f"   server CPU {cpu:.1f} s = {ok / max(cpu, 1e-9):.0f}/CPU-s"
                      + f"   load {os.getloadavg()[0]:.1f}")
                # wrk stops counting with up to one request per connection in flight.
                if not ok <= after - before <= ok + conns or distinct != after:
                    print(f"    STORE MISMATCH: {ok} answered 201/200, {after - before} "
                          f"stored, {distinct} distinct serials of {after}")
                results[f"{mode}-{conns}" + (f"-w{workers}" if workers > 1 else "")] = r
                before = after
        finally:
            _stop(proc)
    results["where"] = runs[-1][1] if len(runs) > 1 else ""
    # The last CSRs: the HTTP runs take theirs from the front.
    batched, grouped = _in_process(env, csrs[-2 * args.in_process:], 32)
    print(f"  {label}: in-process, batches of 2,000 (ca_issuance.py)        {batched:>8.0f}/s")
    print(f"  {label}: in-process, submit_and_issue from 32 threads        {grouped:>8.0f}/s")
    results["batched"], results["grouped"] = batched, grouped
    return results


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--csrs", type=int, default=40000)
    p.add_argument("--in-process", type=int, default=2000)
    p.add_argument("--skip-postgres", action="store_true")
    p.add_argument("--workers", type=int, default=2,
                   help="HTTPS processes of the extra run (--https-workers); 1: no extra run")
    args = p.parse_args()
    if not have_wrk():
        print("needs wrk: apt-get install wrk", file=sys.stderr)
        return 1
    csrs = make_csrs(args.csrs)
    _TOTAL[0] = args.csrs
    work = Path(tempfile.mkdtemp(prefix="certyard-bench-bodies-"))
    bodies = work / "bodies.jsonl"
    bodies.write_text("".join(json.dumps({"csr": c.public_bytes(Encoding.PEM).decode(),
                                          "profile": "server-client"}) + "\n" for c in csrs))
    print(f"API issuance, EC P-256 CA, token auth, {args.seconds:g} s per run, "
          f"{args.csrs} distinct keys (server core 0, wrk core 1)")
    out = {"SQLite (WAL, synchronous=FULL)": run("SQLite", None, bodies, csrs, args)}
    if not args.skip_postgres:
        pg = DurablePostgres()
        try:
            url = pg.start()
            out["PostgreSQL (fsync, synchronous_commit=on)"] = run("PostgreSQL", url, bodies,
                                                                  csrs, args)
        finally:
            pg.stop()
    print("\nratios")
    for db, res in out.items():
        best = max(res["one-4"].rate, res["one-32"].rate)
        print(f"  {db}: best one-process API rate {best:.0f}/s = {best / GOAL:.2f}x the goal "
              f"(1,000/s); "
              f"one-call vs two-call {res['one-4'].rate / max(res['two-4'].rate, 1e-9):.1f}x "
              f"(4 connections); API vs in-process batched {best / res['batched']:.2f}x")
        print(f"    1 process, core 0: {best:.0f}/s = {best / GOAL:.2f}x the goal")
        if f"one-4-w{args.workers}" in res:
            multi = max(res[f"one-4-w{args.workers}"].rate, res[f"one-32-w{args.workers}"].rate)
            print(f"    {res['where']}: {multi:.0f}/s = {multi / GOAL:.2f}x the goal; "
                  f"{multi / max(best, 1e-9):.2f}x one process")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
