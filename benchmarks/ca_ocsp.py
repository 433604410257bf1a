"""OCSP benchmark: certyard's responder (uvicorn serving certyard.api.public) against
`openssl ocsp -index ... -port` on loopback, same certificates, same load generator
(benchmarks/_load.py), requests without nonce (the cacheable case relying parties send
through caches), requests/s and p50/p99 latency.

    python benchmarks/ca_ocsp.py [--certs 500] [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import subprocess
import sys
import tempfile
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
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from benchmarks._load import LoadResult, run_load
from benchmarks.ca_issuance import make_csrs
from certyard import ca
from certyard.ca.build import build_ca_certificate
from certyard.cluster import init_cluster
from certyard.config import Settings
from certyard.context import open_context
from certyard.x509 import random_serial

SERVE = """
import uvicorn
from fastapi import FastAPI
from certyard.api.public import router
from certyard.context import open_context
app = FastAPI()
app.state.ctx = open_context()
app.include_router(router)
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="error", access_log=False)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, path: str, body: bytes, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Poll with a real request: openssl's responder is single-threaded and would block
    forever on a probe connection that sends nothing."""
    import urllib.request

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                         headers={"Content-Type": "application/ocsp-request"})
            with urllib.request.urlopen(req, timeout=2) as resp:
                resp.read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _line(name: str, r: LoadResult) -> str:
    return (f"{name:<34} {r.rate:>9.1f} req/s   p50 {r.pct(50):>7.2f} ms   "
            f"p99 {r.pct(99):>7.2f} ms   errors {r.errors}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--certs", type=int, default=500)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=16)
    args = p.parse_args()

    home = Path(tempfile.mkdtemp(prefix="certyard-bench-ocsp-"))
    env = {**os.environ, "CERTYARD_HOME": str(home),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
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
    views = ca.issue_certificates_for_csrs(ctx, make_csrs(args.certs), profile="server")
    for v in views[: len(views) // 10]:
        ca.revoke_certificate(ctx, v.serial, reason="keyCompromise")
    ca.presign_responses(ctx)
    certs = [x509.load_pem_x509_certificate(v.pem.encode()) for v in views]
    bodies = [ocsp.OCSPRequestBuilder().add_certificate(c, issuer, hashes.SHA1()).build()
              .public_bytes(Encoding.DER) for c in certs]

    d = home / "openssl"
    d.mkdir()
    (d / "ca.pem").write_bytes(issuer.public_bytes(Encoding.PEM))
    (d / "ca.key").write_bytes(key_pem)
    revoked = {v.serial for v in views[: len(views) // 10]}
    with open(d / "index.txt", "w") as fh:
        for c in certs:
            exp = c.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
            serial = format(c.serial_number, "X")
            serial = serial if len(serial) % 2 == 0 else "0" + serial
            subj = "/CN=" + c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
            if format(c.serial_number, "x") in revoked:
                fh.write(f"R\t{exp}\t{now.strftime('%y%m%d%H%M%SZ')},keyCompromise\t"
                         f"{serial}\tunknown\t{subj}\n")
            else:
                fh.write(f"V\t{exp}\t\t{serial}\tunknown\t{subj}\n")

    results = {}
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVE.format(port=port)], env=env,
                              stderr=subprocess.DEVNULL)
    try:
        _wait_ready(port, "/ocsp", bodies[0], server)
        run_load("127.0.0.1", port, "/ocsp", bodies, seconds=0.5, concurrency=4,
                 keepalive=True)  # warm the cache
        print("certyard responder up; loading", file=sys.stderr)
        results["certyard (keep-alive)"] = run_load(
            "127.0.0.1", port, "/ocsp", bodies, seconds=args.seconds,
            concurrency=args.concurrency, keepalive=True)
        results["certyard (new connection)"] = run_load(
            "127.0.0.1", port, "/ocsp", bodies, seconds=args.seconds,
            concurrency=args.concurrency, keepalive=False)
    finally:
        server.terminate()
        server.wait(timeout=10)
    port = _free_port()
    peer = subprocess.Popen(["openssl", "ocsp", "-index", str(d / "index.txt"), "-port",
                             str(port), "-rsigner", str(d / "ca.pem"), "-rkey",
                             str(d / "ca.key"), "-CA", str(d / "ca.pem"), "-nmin", "60"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(port, "/", bodies[0], peer)
        print("openssl responder up; loading", file=sys.stderr)
        results["openssl ocsp (new connection)"] = run_load(
            "127.0.0.1", port, "/", bodies, seconds=args.seconds,
            concurrency=args.concurrency, keepalive=False)
    finally:
        peer.terminate()
        peer.wait(timeout=10)
    for name_, r in results.items():
        print(_line(name_, r))
    base = results["openssl ocsp (new connection)"].rate
    for name_ in ("certyard (keep-alive)", "certyard (new connection)"):
        print(f"ratio {name_} / openssl ocsp: {results[name_].rate / base:.2f}x")
    ctx.engine.dispose()


if __name__ == "__main__":
    main()
