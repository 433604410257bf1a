"""Delta CRL benchmark: what one revocation costs when the CA already lists N revoked
certificates, with delta CRLs off (the full CRL is re-signed in the revocation's
transaction) and on (only the delta, holding the changes since the base, is re-signed),
beside ``openssl ca -gencrl`` over the same N entries (what a CA without deltas signs on
each revocation). Both through ``certyard.ca.revoke_certificate``, the real service.

    python benchmarks/crl_delta.py [--entries 100000] [--revocations 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID
from sqlalchemy import insert

from benchmarks._common import fresh_context
from benchmarks.ca_crl import OPENSSL_CNF, REASONS
from benchmarks.ca_issuance import make_csrs
from certyard import ca
from certyard.ca.authority import issuing_ca
from certyard.ca.build import build_ca_certificate
from certyard.cluster import init_cluster
from certyard.db.models.ca import CaIssued
from certyard.x509 import random_serial


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--revocations", type=int, default=10)
    p.add_argument("--database-url", default=None)
    args = p.parse_args()
    n, k = args.entries, args.revocations

    ctx = fresh_context(args.database_url)
    init_cluster(ctx, name="bench", fqdn="bench.example.com")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench delta CRL CA")])
    cert = build_ca_certificate(subject=name, public_key=key.public_key(), issuer=None,
                                signer=key, serial=random_serial(),
                                not_before=now - dt.timedelta(hours=1),
                                not_after=now + dt.timedelta(days=3650), path_length=None,
                                urls=None)
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    ca.import_ca(ctx, cert.public_bytes(Encoding.PEM), key_pem)
    entries = [(format(random_serial(), "x"), now - dt.timedelta(seconds=random.randint(0, 10**7)),
                random.choice(REASONS)) for _ in range(n)]
    # Real certificates to revoke (a revocation re-signs the certificate's OCSP answer).
    victims = [v.serial for v in ca.issue_certificates_for_csrs(ctx, make_csrs(2 * k),
                                                                 profile="server")]
    with ctx.transaction() as s:
        ca_id = issuing_ca(s).id
        rows = [dict(serial=sn, issuer_id=ca_id, request_id=None, profile="server",
                     subject=f"CN=h{i}", sans=[], not_before=now,
                     not_after=now + dt.timedelta(days=397), der=b"", status=status,
                     revoked_at=when, revocation_reason=reason, created_at=now)
                for i, (sn, when, reason, status) in enumerate(
                    [(sn, w, r, "revoked") for sn, w, r in entries])]
        for i in range(0, len(rows), 5000):
            s.execute(insert(CaIssued), rows[i:i + 5000])
    ca.current_crl(ctx)  # the first full CRL (entries encoded once, as in a running CA)

    def revocations(serials: list[str]) -> list[float]:
        took = []
        for sn in serials:
            t0 = time.perf_counter()
            ca.revoke_certificate(ctx, sn, reason="keyCompromise")
            took.append(time.perf_counter() - t0)
        return took

    full = revocations(victims[:k])
    ca.configure_ca(ctx, crl_delta=True)
    ca.current_crl(ctx)  # the base: signed once when deltas are turned on
    delta = revocations(victims[k:])
    delta_der = ca.current_delta_crl(ctx)
    base_der = ca.current_crl(ctx)
    assert len(x509.load_der_x509_crl(delta_der)) == k

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
    backend = ctx.engine.dialect.name
    print(f"one revocation with {n:,} revoked certificates already listed ({backend}, "
          f"median of {k}):")
    for label, value in (("delta CRLs off (full CRL re-signed)", statistics.median(full)),
                         ("delta CRLs on (delta re-signed)", statistics.median(delta)),
                         (f"openssl ca -gencrl, same {n:,} entries", peer)):
        print(f"  {label:<42} {value * 1000:9.1f} ms")
    print(f"  ratio full / delta: {statistics.median(full) / statistics.median(delta):.1f}x;"
          f" base {len(base_der):,} bytes, delta after {k} revocations "
          f"{len(delta_der):,} bytes")
    ctx.engine.dispose()


if __name__ == "__main__":
    main()
