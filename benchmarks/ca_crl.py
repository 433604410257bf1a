"""CRL benchmark: time to generate a full CRL with N revoked entries, certyard (database
read + sign, in one transaction, as on every revocation) against `openssl ca -gencrl` over
an index.txt with the same entries and the same CA key.

    python benchmarks/ca_crl.py [--entries 20000] [--full]   (--full: 100,000 entries)
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID
from sqlalchemy import insert

from benchmarks._common import fresh_context
from certyard import ca
from certyard.ca.authority import issuing_ca
from certyard.ca.build import build_ca_certificate
from certyard.ca.crl import regenerate_crl
from certyard.cluster import init_cluster
from certyard.db.models.ca import CaIssued
from certyard.x509 import random_serial

REASONS = ["keyCompromise", "superseded", "unspecified", "cessationOfOperation"]
OPENSSL_CNF = """
[ca]
default_ca = bench
[bench]
dir = {d}
database = {d}/index.txt
crlnumber = {d}/crlnumber
certificate = {d}/ca.pem
private_key = {d}/ca.key
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=20_000)
    p.add_argument("--full", action="store_true", help="100,000 entries (the issue's size)")
    p.add_argument("--database-url", default=None)
    args = p.parse_args()
    n = 100_000 if args.full else args.entries

    ctx = fresh_context(args.database_url)
    init_cluster(ctx, name="bench", fqdn="bench.example.com")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench CRL CA")])
    cert = build_ca_certificate(subject=name, public_key=key.public_key(), issuer=None,
                                signer=key, serial=random_serial(),
                                not_before=now - dt.timedelta(hours=1),
                                not_after=now + dt.timedelta(days=3650), path_length=None,
                                urls=None)
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    ca.import_ca(ctx, cert.public_bytes(Encoding.PEM), key_pem)
    entries = [(format(random_serial(), "x"), now - dt.timedelta(seconds=random.randint(0, 10**7)),
                random.choice(REASONS)) for _ in range(n)]
    with ctx.transaction() as s:
        ca_id = issuing_ca(s).id
        rows = [dict(serial=sn, issuer_id=ca_id, request_id=None, profile="server",
                     subject=f"CN=h{i}", sans=[], not_before=now, not_after=now +
                     dt.timedelta(days=397), der=b"", status="revoked", revoked_at=when,
                     revocation_reason=reason, created_at=now)
                for i, (sn, when, reason) in enumerate(entries)]
        for i in range(0, n, 5000):
            s.execute(insert(CaIssued), rows[i:i + 5000])

    t0 = time.perf_counter()
    with ctx.transaction() as s:
        der = regenerate_crl(ctx, s, issuing_ca(s), now=now)
    ours = time.perf_counter() - t0
    crl = x509.load_der_x509_crl(der)
    assert len(crl) == n and crl.is_signature_valid(key.public_key())
    # What every revocation does: one more entry, the whole CRL signed again.
    with ctx.transaction() as s:
        s.execute(insert(CaIssued), [dict(
            serial=format(random_serial(), "x"), issuer_id=ca_id, request_id=None,
            profile="server", subject="CN=one-more", sans=[], not_before=now,
            not_after=now + dt.timedelta(days=397), der=b"", status="revoked",
            revoked_at=now, revocation_reason="keyCompromise", created_at=now)])
    t0 = time.perf_counter()
    with ctx.transaction() as s:
        der = regenerate_crl(ctx, s, issuing_ca(s), now=now)
    warm = time.perf_counter() - t0
    assert len(x509.load_der_x509_crl(der)) == n + 1

    d = ctx.settings.home / "openssl"
    d.mkdir()
    (d / "ca.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    (d / "ca.key").write_bytes(key_pem)
    (d / "crlnumber").write_text("01\n")
    (d / "openssl.cnf").write_text(OPENSSL_CNF.format(d=d))
    exp = (now + dt.timedelta(days=397)).strftime("%y%m%d%H%M%SZ")
    with open(d / "index.txt", "w") as fh:
        for i, (sn, when, reason) in enumerate(entries):
            sn_up = sn.upper() if len(sn) % 2 == 0 else "0" + sn.upper()
            fh.write(f"R\t{exp}\t{when.strftime('%y%m%d%H%M%SZ')},{reason}\t{sn_up}\t"
                     f"unknown\t/CN=h{i}\n")
    t0 = time.perf_counter()
    subprocess.run(["openssl", "ca", "-gencrl", "-config", str(d / "openssl.cnf"), "-out",
                    str(d / "crl.pem"), "-batch"], check=True, capture_output=True)
    peer = time.perf_counter() - t0
    peer_crl = x509.load_pem_x509_crl((d / "crl.pem").read_bytes())
    assert len(peer_crl) == n
    for label, value in (("first generation", ours), ("after one more revocation", warm)):
        print(f"CRL, {n:,} entries, {label:<26} certyard {value:7.3f} s   "
              f"openssl ca -gencrl {peer:7.3f} s   ratio {peer / value:5.2f}x "
              "(>1: certyard faster)")
    ctx.engine.dispose()


if __name__ == "__main__":
    main()
