"""CA key in a PKCS#11 token (SoftHSM2) vs a sealed file key, side by side in one run.

For EC P-256 and RSA-3072 CA keys: raw signatures per second (the token through
python-pkcs11, the file key through cryptography), certificates issued per second in one
batch transaction (bulk enrolment; on one core, as a token key signs in-process) and one
transaction per certificate, and OCSP responses with a nonce (each signed fresh). A fresh
SoftHSM2 token is created in a temporary directory. A default run takes about a minute.

    python benchmarks/ca_pkcs11.py [--batch 400] [--single 100] [--ocsp 200] [--signatures 1000]

Each line: "certyard" is the token key, "file key" the sealed file key.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from benchmarks._common import bench_dir, fresh_context, report
from benchmarks.ca_issuance import make_csrs
from certyard import ca
from certyard.ca.authority import issuing_ca, open_ca_key
from certyard.cluster import init_cluster
from tests.ca.softhsm import make_softhsm


def _setup(key: str, ref: ca.TokenRef | None):  # type: ignore[no-untyped-def]
    ctx = fresh_context()
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    kt, size = key.split("-")
    ca.init_ca(ctx, key_type=kt, key_size=int(size), pkcs11=ref)
    return ctx


def _signatures(ctx, n: int) -> float:  # type: ignore[no-untyped-def]
    with ctx.read() as s:
        signer = open_ca_key(ctx, s, issuing_ca(s))
    data = b"x" * 512
    t0 = time.perf_counter()
    for _ in range(n):
        signer.sign(data)
    return n / (time.perf_counter() - t0)


def _batch(ctx, csrs) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    ca.issue_certificates_for_csrs(ctx, csrs, profile="server", workers=1)
    return len(csrs) / (time.perf_counter() - t0)


def _single(ctx, csrs) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    for c in csrs:
        ca.issue_certificate_for_csr(ctx, c, profile="server")
    return len(csrs) / (time.perf_counter() - t0)


def _ocsp(ctx, n: int) -> float:  # type: ignore[no-untyped-def]
    view = ca.issue_certificates_for_csrs(ctx, make_csrs(1), profile="server")[0]
    leaf = x509.load_pem_x509_certificate(view.pem.encode())
    issuer = x509.load_pem_x509_certificate(ca.export_ca(ctx))
    reqs = [ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1())
            .add_extension(x509.OCSPNonce(os.urandom(16)), critical=False).build()
            .public_bytes(Encoding.DER) for _ in range(n)]
    t0 = time.perf_counter()
    for r in reqs:
        ca.ocsp_respond(ctx, r)
    return n / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=400)
    p.add_argument("--single", type=int, default=100)
    p.add_argument("--ocsp", type=int, default=200)
    p.add_argument("--signatures", type=int, default=1000)
    args = p.parse_args()
    hsm = make_softhsm(bench_dir("certyard-bench-hsm-"))
    os.environ.update(hsm.env())  # before the module is first loaded
    csrs = make_csrs(args.batch + args.single)
    print(f"SoftHSM2 token {hsm.label!r} via {hsm.module}")
    for key in ("EC-256", "RSA-3072"):
        ref = ca.TokenRef.from_options(module=hsm.module, token=hsm.label,
                                       key_label=f"bench-{key}", pin_file=str(hsm.pin_file))
        token, file = _setup(key, ref), _setup(key, None)
        report(f"{key} raw signatures", _signatures(token, args.signatures),
               _signatures(file, args.signatures), "file key", unit="/s")
        report(f"{key} issuance, batch of {args.batch}", _batch(token, csrs[:args.batch]),
               _batch(file, csrs[:args.batch]), "file key", unit="/s")
        report(f"{key} issuance, one transaction each", _single(token, csrs[args.batch:]),
               _single(file, csrs[args.batch:]), "file key", unit="/s")
        report(f"{key} OCSP with nonce (signed fresh)", _ocsp(token, args.ocsp),
               _ocsp(file, args.ocsp), "file key", unit="/s")


if __name__ == "__main__":
    main()
