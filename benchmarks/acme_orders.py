"""ACME order benchmark: complete orders per second through http-01, against a local
validation target (a loopback HTTP server answering every key authorization).

Each order is the whole RFC 8555 flow from a client: newOrder (one identifier,
127.0.0.1, RFC 8738), fetch the authorization, answer the http-01 challenge, poll until
the server's validator has fetched the token, finalize with a CSR, poll until valid,
download the certificate chain. ``--clients`` accounts run orders in parallel threads of
this process (the hand-made JOSE client of tests/acme/client.py over httpx).

certyard: ``certyard serve`` (uvloop + httptools, SQLite home, the built-in CA, jobs off),
its validator pointed at the target. Peer: Pebble (Let's Encrypt's ACME test server,
Debian ``pebble``; in memory, no database) with the same target, ``PEBBLE_VA_NOSLEEP=1``,
``PEBBLE_WFE_NONCEREJECT=0`` and ``PEBBLE_AUTHZREUSE=0`` so it validates every order and
rejects no good nonce. One run each; a shared, busy machine makes the figures noisy.

    python benchmarks/acme_orders.py [--orders 120] [--clients 4]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from benchmarks._common import report
from certyard import acme
from certyard.config import Settings
from certyard.context import open_context
from tests.acme.client import AcmeClient, csr_der, http01_responder
from tests.ca.helpers import setup_ca
from tests.support.ports import free_port

IDENTIFIER = ("ip", "127.0.0.1")


class Client(AcmeClient):
    """Uses the Replay-Nonce of each response for the next request, as real clients do
    (the test client asks newNonce every time, which would double the requests)."""

    def __init__(self, http: httpx.Client, directory_url: str) -> None:
        super().__init__(http, directory_url)
        self._nonce: str | None = None

    def post(self, url: str, payload: Any, **kw: Any) -> httpx.Response:
        if self._nonce is not None and "nonce" not in kw:
            kw["nonce"], self._nonce = self._nonce, None
        r = super().post(url, payload, **kw)
        self._nonce = r.headers.get("Replay-Nonce")
        if r.status_code == 400 and "badNonce" in r.text:  # RFC 8555 §6.5: retry once
            kw.pop("nonce", None)
            r = super().post(url, payload, **kw)
            self._nonce = r.headers.get("Replay-Nonce")
        return r


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _poll(c: AcmeClient, url: str, until: tuple[str, ...], deadline: float = 120
          ) -> dict[str, Any]:
    end = time.monotonic() + deadline
    while True:
        body = c.post(url, None).json()
        if body.get("status") in until:
            return body
        if time.monotonic() > end:
            raise RuntimeError(f"{url} stuck in {body.get('status')}: {body}")
        time.sleep(0.05)


def one_order(c: AcmeClient, answers: dict[str, str]) -> None:
    r = c.order([IDENTIFIER])
    if r.status_code != 201:
        raise RuntimeError(f"newOrder: {r.status_code} {r.text[:300]}")
    order_url, order = r.headers["Location"], r.json()
    for authz_url in order["authorizations"]:
        authz = c.post(authz_url, None).json()
        chal = next(x for x in authz["challenges"] if x["type"] == "http-01")
        answers[chal["token"]] = f"{chal['token']}.{c.thumbprint()}"
        c.post(chal["url"], {})
        if _poll(c, authz_url, ("valid", "invalid"))["status"] != "valid":
            raise RuntimeError(f"authorization invalid: {authz_url}")
    _key, der = csr_der([IDENTIFIER])
    r = c.post(order["finalize"], {"csr": _b64(der)})
    if r.status_code != 200:
        raise RuntimeError(f"finalize: {r.status_code} {r.text[:300]}")
    done = _poll(c, order_url, ("valid", "invalid"))
    if done["status"] != "valid":
        raise RuntimeError(f"order invalid: {done}")
    pem = c.post(done["certificate"], None)
    if pem.status_code != 200 or b"BEGIN CERTIFICATE" not in pem.content:
        raise RuntimeError(f"certificate download: {pem.status_code}")


def run_orders(directory: str, answers: dict[str, str], *, orders: int, clients: int
               ) -> float:
    """Orders per second completed by ``clients`` parallel accounts."""
    http = [httpx.Client(verify=False, timeout=60) for _ in range(clients)]
    accounts = []
    for h in http:
        c = Client(h, directory)
        r = c.register(contact=["mailto:bench@example.com"])
        if r.status_code not in (200, 201):
            raise RuntimeError(f"newAccount: {r.status_code} {r.text[:300]}")
        accounts.append(c)
    one_order(accounts[0], answers)  # warm-up
    counter = iter(range(orders))
    lock = threading.Lock()

    def worker(c: AcmeClient) -> int:
        n = 0
        while True:
            with lock:
                if next(counter, None) is None:
                    return n
            one_order(c, answers)
            n += 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        done = sum(pool.map(worker, accounts))
    seconds = time.perf_counter() - t0
    for h in http:
        h.close()
    assert done == orders
    return orders / seconds


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode})")
        try:
            if httpx.get(url, verify=False, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        proc.wait(timeout=10)


def certyard_rate(target_port: int, answers: dict[str, str], *, orders: int, clients: int,
                  tmp: Path) -> float:
    env = {"CERTYARD_HOME": str(tmp / "home"),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    ctx = open_context(Settings.from_env(env))
    setup_ca(ctx)
    acme.add_profile(ctx, "bench", allowed_networks=["127.0.0.0/8"], days=30)
    acme.update_acme_settings(ctx, http_port=target_port, timeout=10)
    ctx.engine.dispose()
    https_port, http_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from certyard.cli.main import run; run()", "serve",
         "--host", "127.0.0.1", "--https-port", str(https_port), "--http-port",
         str(http_port), "--no-jobs"], env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait(f"http://127.0.0.1:{http_port}/readyz", proc)
        return run_orders(f"https://127.0.0.1:{https_port}/acme/bench/directory", answers,
                          orders=orders, clients=clients)
    finally:
        _stop(proc)


def _pebble_tls(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pebble bench")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"),
                 x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp / "pebble.pem", tmp / "pebble.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def pebble_rate(target_port: int, answers: dict[str, str], *, orders: int, clients: int,
                tmp: Path) -> float:
    pebble = shutil.which("pebble")
    if pebble is None:
        raise RuntimeError("pebble is not installed (apt-get install pebble)")
    cert, key = _pebble_tls(tmp)
    port, mgmt = free_port(), free_port()
    config = tmp / "pebble.json"
    config.write_text(json.dumps({"pebble": {
        "listenAddress": f"127.0.0.1:{port}", "managementListenAddress": f"127.0.0.1:{mgmt}",
        "certificate": str(cert), "privateKey": str(key), "httpPort": target_port,
        "tlsPort": free_port(), "ocspResponderURL": "",
        "externalAccountBindingRequired": False}}))
    env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0",
           "PEBBLE_AUTHZREUSE": "0"}
    proc = subprocess.Popen([pebble, "-config", str(config)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        _wait(f"https://127.0.0.1:{port}/dir", proc)
        return run_orders(f"https://127.0.0.1:{port}/dir", answers, orders=orders,
                          clients=clients)
    finally:
        _stop(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=120)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    answers: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="certyard-bench-acme-") as d, \
            http01_responder(answers) as target:
        tmp = Path(d)
        (tmp / "certyard").mkdir()
        (tmp / "pebble").mkdir()
        ours = certyard_rate(target, answers, orders=args.orders, clients=args.clients,
                             tmp=tmp / "certyard")
        peer = pebble_rate(target, answers, orders=args.orders, clients=args.clients,
                           tmp=tmp / "pebble")
    report(f"ACME orders, http-01, {args.clients} clients, {args.orders} orders", ours, peer,
           "pebble")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
