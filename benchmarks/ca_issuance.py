"""Issuance benchmark: CSR in -> stored signed certificate out.

certyard's service layer (batched transactions as in bulk enrolment, and one transaction
per certificate) against an `openssl x509 -req` loop over the same CSRs, and against the
raw signing rate `openssl speed` reports on one core (the ceiling). EC P-256 and RSA-2048
CA keys. Sizes are flags; a default run takes well under a minute.

    python benchmarks/ca_issuance.py [--count 4000] [--batch 2000] [--openssl-count 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

from benchmarks._common import fresh_context, report
from certyard import ca
from certyard.ca.build import build_ca_certificate
from certyard.cluster import init_cluster
from certyard.x509 import random_serial


def make_csrs(n: int) -> list[x509.CertificateSigningRequest]:
    # One subject key for all: key generation is the requester's cost, not the CA's.
    key = ec.generate_private_key(ec.SECP256R1())
    out = []
    for i in range(n):
        name = f"host{i}.bench.example.com"
        out.append(x509.CertificateSigningRequestBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), False)
                   .sign(key, hashes.SHA256()))
    return out


def openssl_speed(alg: str) -> float:
    """Signatures per second on one core, from `openssl speed`."""
    out = subprocess.run(["openssl", "speed", "-seconds", "2", alg], capture_output=True,
                         text=True).stdout
    pattern = r"^rsa 2048 bits" if alg.startswith("rsa") else r"^\s*256 bits ecdsa"
    line = next(ln for ln in out.splitlines() if re.match(pattern, ln))
    # "... sign verify sign/s verify/s": sign/s is the second-to-last number.
    return float(line.split()[-2])


def openssl_loop(csrs: list[x509.CertificateSigningRequest], ca_cert: bytes, ca_key: bytes,
                 n: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        dp = Path(d)
        (dp / "ca.pem").write_bytes(ca_cert)
        (dp / "ca.key").write_bytes(ca_key)
        (dp / "ext").write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,"
                                "digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth,"
                                "clientAuth\nsubjectKeyIdentifier=hash\n"
                                "authorityKeyIdentifier=keyid\n")
        for i, csr in enumerate(csrs[:n]):
            (dp / f"{i}.csr").write_bytes(csr.public_bytes(Encoding.PEM))
        t0 = time.perf_counter()
        for i in range(n):
            subprocess.run(["openssl", "x509", "-req", "-in", str(dp / f"{i}.csr"), "-CA",
                            str(dp / "ca.pem"), "-CAkey", str(dp / "ca.key"), "-set_serial",
                            str(10_000 + i), "-days", "397", "-sha256", "-extfile",
                            str(dp / "ext"), "-out", str(dp / f"{i}.pem")], check=True,
                           capture_output=True)
        return n / (time.perf_counter() - t0)


def run(key_type: str, size: int, args: argparse.Namespace, csrs: list) -> None:  # type: ignore[type-arg]
    ctx = fresh_context(args.database_url)
    init_cluster(ctx, name="bench", fqdn="bench.example.com")
    # The CA key is the one named (RSA-2048 is below `ca init`'s minimum for a root, so the
    # CA is made here and brought in with `ca import`).
    key = (ec.generate_private_key(ec.SECP256R1()) if key_type == "EC"
           else rsa.generate_private_key(public_exponent=65537, key_size=size))
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Bench {key_type} CA")])
    cert = build_ca_certificate(subject=name, public_key=key.public_key(), issuer=None,
                                signer=key, serial=random_serial(), not_before=now,
                                not_after=now + dt.timedelta(days=3650), path_length=None,
                                urls=None)
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    ca.import_ca(ctx, cert.public_bytes(Encoding.PEM), key_pem)
    label = f"{key_type}-{size} CA"
    batch = args.batch
    t0 = time.perf_counter()
    for i in range(0, args.count, batch):
        ca.issue_certificates_for_csrs(ctx, csrs[i:i + batch], profile="server-client")
    batched = args.count / (time.perf_counter() - t0)
    single_n = min(args.count, args.single_count)
    t0 = time.perf_counter()
    for csr in csrs[:single_n]:
        ca.issue_certificate_for_csr(ctx, csr, profile="server-client")
    single = single_n / (time.perf_counter() - t0)
    peer = openssl_loop(csrs, cert.public_bytes(Encoding.PEM), key_pem, args.openssl_count)
    speed = openssl_speed("ecdsap256" if key_type == "EC" else "rsa2048")
    report(f"issue+store, {label}, batch {batch}", batched, peer, "openssl x509 -req")
    report(f"issue+store, {label}, 1 per transaction", single, peer, "openssl x509 -req")
    report(f"issue+store, {label}, batch vs raw sign", batched, speed, "openssl speed")
    ctx.engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=4000)
    p.add_argument("--batch", type=int, default=2000)
    p.add_argument("--single-count", type=int, default=200)
    p.add_argument("--openssl-count", type=int, default=50)
    p.add_argument("--database-url", default=None)
    args = p.parse_args()
    csrs = make_csrs(args.count)
    run("EC", 256, args, csrs)
    run("RSA", 2048, args, csrs)


if __name__ == "__main__":
    main()
