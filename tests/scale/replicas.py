"""Real ``certyard serve`` replicas on one PostgreSQL database, and a mixed HTTP load that
behaves like a load balancer in front of them (used by tests/scale and
benchmarks/replicas.py).

Each replica has its own CERTYARD_HOME and shares CERTYARD_DATABASE_URL and
CERTYARD_MASTER_KEY. The first replica initialises the store (cluster, administrator, CA);
the others start after it is ready, as in deploy/replicas.sh.

The load client round-robins over the replicas it believes alive; a connection refused
(the replica is gone) marks it down and the request goes to the next one, which is what
HAProxy's ``retries`` + ``option redispatch`` does. A request already sent to a replica
that dies gets no answer and is counted as ``interrupted`` (a balancer answers 502 there
too; it must not resend a POST).
"""

from __future__ import annotations

import base64
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from tests.support.ports import free_port

__all__ = ["LoadResult", "MixedLoad", "Replica", "free_port", "make_csrs", "start_replica",
           "stop_replica", "wait_ready"]

PASSWORD = "Load-Test-Pass-42"



@dataclass
class Replica:
    name: str
    proc: subprocess.Popen[bytes]
    https_port: int
    http_port: int
    log: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_replica(name: str, env: dict[str, str], home: Path, *, jobs: bool = True,
                  extra: tuple[str, ...] = ()) -> Replica:
    home.mkdir(parents=True, exist_ok=True)
    https_port, http_port = free_port(), free_port()
    log = home / "serve.log"
    full = {**os.environ, **env, "CERTYARD_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, "-c", "from certyard.cli.main import run; run()", "serve",
            "--host", "127.0.0.1", "--https-port", str(https_port),
            "--http-port", str(http_port), *extra]
    if not jobs:
        args.append("--no-jobs")
    with open(log, "wb") as fh:
        proc = subprocess.Popen(args, env=full, stdout=fh, stderr=subprocess.STDOUT)
    return Replica(name, proc, https_port, http_port, log)


def wait_ready(r: Replica, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if r.proc.poll() is not None:
            raise RuntimeError(f"replica {r.name} exited: {r.output()}")
        try:
            if httpx.get(f"{r.http_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"replica {r.name} not ready: {r.output()}")


def stop_replica(r: Replica) -> None:
    if r.proc.poll() is None:
        r.proc.terminate()
        try:
            r.proc.wait(20)
        except subprocess.TimeoutExpired:
            r.proc.kill()
            r.proc.wait()


def one_time_password(r: Replica) -> str:
    m = re.search(r"One-time password: (\S+)", r.output())
    return m.group(1) if m else ""


def make_csrs(n: int) -> list[str]:
    key = ec.generate_private_key(ec.SECP256R1())
    out = []
    for i in range(n):
        # One key per CSR: the CA refuses a second pending request for the same key.
        key = ec.generate_private_key(ec.SECP256R1())
        cn = f"load{i}-{os.urandom(3).hex()}.example.com"
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
               .sign(key, hashes.SHA256()))
        out.append(csr.public_bytes(Encoding.PEM).decode())
    return out


def ocsp_request(issuer: x509.Certificate, serial_hex: str) -> bytes:
    ih = ocsp.OCSPRequestBuilder().add_certificate(issuer, issuer, hashes.SHA1()).build()
    name_hash = hashes.Hash(hashes.SHA1())
    name_hash.update(issuer.subject.public_bytes())
    req = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        name_hash.finalize(), ih.issuer_key_hash, int(serial_hex, 16), hashes.SHA1())
    return req.build().public_bytes(Encoding.DER)


class Interrupted(Exception):
    """The request was sent to a replica that died before answering."""


@dataclass
class LoadResult:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    interrupted: int = 0
    issued: dict[int, str] = field(default_factory=dict)  # request id -> serial (accepted)
    seconds: float = 0.0

    def p(self, op: str, q: float) -> float:
        xs = sorted(self.latencies.get(op, []))
        if not xs:
            return 0.0
        return xs[min(len(xs) - 1, int(q * len(xs)))]

    def summary(self) -> str:
        lines = []
        for op, xs in sorted(self.latencies.items()):
            lines.append(f"{op:<8} n={len(xs):>5}  rate={len(xs) / self.seconds:6.1f}/s  "
                         f"p50={statistics.median(xs) * 1000:7.1f} ms  "
                         f"p99={self.p(op, 0.99) * 1000:7.1f} ms")
        lines.append(f"errors={len(self.errors)} interrupted={self.interrupted}")
        lines.extend(f"  {e}" for e in self.errors[:5])
        return "\n".join(lines)


class MixedLoad:
    """Issue (submit + issue over the CA API), list, OCSP and sign-in at fixed rates."""

    def __init__(self, replicas: list[Replica], *, token: str, user: str,
                 issuer: x509.Certificate, serials: list[str], csrs: list[str]) -> None:
        self.replicas = list(replicas)
        self.alive = {r.name: True for r in replicas}
        self.token, self.user, self.issuer = token, user, issuer
        self.serials = list(serials)
        self.csrs = list(csrs)
        self._rr = 0
        self._lock = threading.Lock()
        self.result = LoadResult()
        self._local = threading.local()

    # -- balancing -------------------------------------------------------------------
    def _client(self) -> httpx.Client:
        c = getattr(self._local, "client", None)
        if c is None:
            c = httpx.Client(verify=False, timeout=30)
            self._local.client = c
        return c

    def _order(self) -> list[Replica]:
        with self._lock:
            self._rr += 1
            live = [r for r in self.replicas if self.alive[r.name]]
            k = self._rr % max(1, len(live))
        return live[k:] + live[:k]

    def send(self, method: str, path: str, *, plain: bool = False,
             pin: Replica | None = None, **kw: Any) -> tuple[httpx.Response, Replica]:
        for r in [pin] if pin else self._order():
            base = r.http_url if plain else r.url
            try:
                return self._client().request(method, base + path, **kw), r
            except httpx.ConnectError:
                self.alive[r.name] = False  # like a failed health check: take it out
            except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout) as e:
                self.alive[r.name] = False
                raise Interrupted(str(e)) from e
        raise RuntimeError("no replica accepted the connection")

    # -- operations ------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def op_issue(self) -> None:
        with self._lock:
            if not self.csrs:
                return
            csr = self.csrs.pop()
        r, _ = self.send("POST", "/api/v1/ca/requests", json={"csr": csr, "profile": "server"},
                         headers=self._auth())
        if r.status_code != 201:
            raise AssertionError(f"submit {r.status_code} {r.text[:200]}")
        req_id = r.json()["id"]
        r, _ = self.send("POST", f"/api/v1/ca/requests/{req_id}/issue", json={},
                         headers=self._auth())
        if r.status_code != 200:
            raise AssertionError(f"issue {r.status_code} {r.text[:200]}")
        serial = r.json()["serial"]
        with self._lock:
            self.result.issued[req_id] = serial
            self.serials.append(serial)

    def op_list(self) -> None:
        r, _ = self.send("GET", "/api/v1/ca/issued", headers=self._auth())
        if r.status_code != 200 or not isinstance(r.json(), list):
            raise AssertionError(f"list {r.status_code}")

    def op_ocsp(self) -> None:
        with self._lock:
            serial = self.serials[self._rr % len(self.serials)]
        r, _ = self.send("POST", "/ocsp", plain=True, content=ocsp_request(self.issuer, serial),
                         headers={"Content-Type": "application/ocsp-request"})
        resp = ocsp.load_der_ocsp_response(r.content)
        if r.status_code != 200 or resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL \
                or resp.certificate_status != ocsp.OCSPCertStatus.GOOD:
            raise AssertionError(f"ocsp {r.status_code} {resp.response_status}")

    def op_signin(self) -> None:
        """Sign in on one replica, then use the session on another (sessions live in the
        database, so any replica honours them)."""
        c = httpx.Client(verify=False, timeout=30)
        try:
            order = self._order()
            page = None
            for r in order:
                try:
                    page = c.get(f"{r.url}/login")
                    first = r
                    break
                except httpx.ConnectError:
                    self.alive[r.name] = False
                except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout) as e:
                    self.alive[r.name] = False  # in flight on the replica that died
                    raise Interrupted(str(e)) from e
            if page is None:
                raise RuntimeError("no replica")
            m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert m, page.text[:200]
            try:
                r = c.post(f"{first.url}/login", data={"username": self.user,
                                                       "password": PASSWORD, "next": "/",
                                                       "csrf_token": m.group(1)})
            except (httpx.ReadError, httpx.RemoteProtocolError) as e:
                raise Interrupted(str(e)) from e
            if r.status_code != 303:
                raise AssertionError(f"sign-in {r.status_code} {r.text[:200]}")
            # Another replica when one is up, else the same one (any replica honours it).
            others = [x for x in self._order() if x is not first] + [first]
            seen = None
            for other in others:
                try:
                    seen = c.get(f"{other.url}/account")
                    break
                except httpx.ConnectError:
                    self.alive[other.name] = False
                except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout) as e:
                    self.alive[other.name] = False
                    raise Interrupted(str(e)) from e
            if seen is None:
                raise RuntimeError("no replica accepted the connection")
            if seen.status_code != 200:
                raise AssertionError(f"session on another replica {seen.status_code}")
        finally:
            c.close()

    # -- driver ----------------------------------------------------------------------
    def run(self, seconds: float, rates: dict[str, float],
            at: dict[float, Callable[[], None]] | None = None) -> LoadResult:
        """Fire each operation at its rate (per second) for ``seconds``; ``at`` maps a
        time offset to an action (e.g. kill a replica)."""
        ops = {"issue": self.op_issue, "list": self.op_list, "ocsp": self.op_ocsp,
               "signin": self.op_signin}
        schedule: list[tuple[float, str]] = []
        for name, per_s in rates.items():
            if per_s <= 0:
                continue
            step = 1.0 / per_s
            t = step / 2
            while t < seconds:
                schedule.append((t, name))
                t += step
        schedule.sort()
        actions = sorted((at or {}).items())
        t0 = time.monotonic()

        def timed(name: str) -> None:
            start = time.monotonic()
            try:
                ops[name]()
            except Interrupted:
                with self._lock:
                    self.result.interrupted += 1
                return
            except Exception as e:
                with self._lock:
                    self.result.errors.append(f"{name}: {type(e).__name__}: {e}")
                return
            with self._lock:
                self.result.latencies.setdefault(name, []).append(time.monotonic() - start)

        with ThreadPoolExecutor(max_workers=24) as pool:
            for t, name in schedule:
                while actions and actions[0][0] <= t:
                    at_t, action = actions.pop(0)
                    time.sleep(max(0.0, t0 + at_t - time.monotonic()))
                    action()
                time.sleep(max(0.0, t0 + t - time.monotonic()))
                pool.submit(timed, name)
        self.result.seconds = time.monotonic() - t0
        return self.result


@dataclass
class Cluster:
    replicas: list[Replica]
    env: dict[str, str]
    token: str
    user: str
    issuer: x509.Certificate
    serials: list[str]

    def stop(self) -> None:
        for r in self.replicas:
            stop_replica(r)


def start_cluster(env: dict[str, str], base: Path, *, count: int = 2, jobs: bool = True,
                  preissue: int = 5) -> Cluster:
    """``count`` replicas on ``env``'s database; a Certificate Administrator with an API
    token and a known password; ``preissue`` certificates for OCSP to ask about."""
    from certyard import accounts, ca
    from certyard.config import Settings
    from certyard.context import open_context

    replicas = [start_replica("r0", env, base / "r0", jobs=jobs)]
    try:
        wait_ready(replicas[0])
        ctx = open_context(Settings.from_env({**env, "CERTYARD_HOME": str(base / "r0")}))
        try:
            user = "loadadm"
            accounts.create_user(ctx, user, role="Certificate Administrator", password=PASSWORD,
                                 must_change_password=False)
            token = accounts.create_token(ctx, user, name="load")[1]
            issuer = x509.load_pem_x509_certificate(ca.export_ca(ctx))
            serials = [ca.issue_certificate_for_csr(ctx, x509.load_pem_x509_csr(c.encode()),
                                                    profile="server").serial
                       for c in make_csrs(preissue)]
        finally:
            ctx.engine.dispose()
        for i in range(1, count):
            replicas.append(start_replica(f"r{i}", env, base / f"r{i}", jobs=jobs))
        for r in replicas[1:]:
            wait_ready(r)
    except BaseException:
        for r in replicas:
            stop_replica(r)
        raise
    return Cluster(replicas, env, token, user, issuer, serials)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
