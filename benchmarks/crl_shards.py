"""CRL partition benchmark: N revoked certificates (default 1,000,000) spread over 64
shards, built in the database in bulk; then

  * the time a revocation takes end to end (``ca.revoke_certificate``: its shard's CRL
    re-signed, the OCSP answer re-signed, audit record), and the shard CRL's size;
  * the time to build the full CRL over all N entries (certyard, cold) against
    ``openssl ca -gencrl`` on the same entries (an index.txt of N revoked lines, same key).

    python benchmarks/crl_shards.py [--entries 1000000] [--shards 64]
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select

from benchmarks._common import bench_dir
from benchmarks.ca_issuance import make_csrs
from certyard import ca
from certyard.ca.authority import issuing_ca, open_ca_key
from certyard.cluster import init_cluster
from certyard.config import Settings
from certyard.context import open_context
from certyard.db.models.ca import CaCrlShard


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--shards", type=int, default=64)
    args = p.parse_args()
    home = bench_dir("certyard-bench-crl-")
    env = {"CERTYARD_HOME": str(home),
           "CERTYARD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    ctx = open_context(Settings.from_env(env))
    init_cluster(ctx, name="bench", fqdn="bench.example.com")
    ca.init_ca(ctx, key_type="EC", key_size=256)
    ca.configure_ca(ctx, crl_shards=args.shards)
    if ctx.engine.dialect.name != "sqlite":
        print("the bulk load is written for SQLite (the default install)", file=sys.stderr)
        return 1
    template = ca.issue_certificates_for_csrs(ctx, make_csrs(1), profile="server")[0]
    base = 1 << 100
    t0 = time.perf_counter()
    with ctx.transaction() as s:
        ca_row = issuing_ca(s)
        ca_id = ca_row.id
        key = open_ca_key(ctx, s, ca_row).private_key  # the sealed file key (not a token)
        ca_der = ca_row.der
        # Generated inside SQLite in one statement (a recursive CTE), copying the date
        # formats of a real row: serials 2**100 + i, so the shard is i mod N.
        s.connection().exec_driver_sql(f"""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n
                                    WHERE i < {args.entries - 1})
            INSERT INTO ca_issued (serial, issuer_id, request_id, profile, subject, sans,
                                   not_before, not_after, der, status, revoked_at,
                                   revocation_reason, created_at, crl_shard)
            SELECT '1' || printf('%025x', n.i), t.issuer_id, NULL, 'server', 'CN=bulk',
                   t.sans, t.not_before, t.not_after, x'00', 'revoked', t.created_at,
                   CASE WHEN n.i % 3 THEN 'keyCompromise' ELSE NULL END, t.created_at,
                   n.i % {args.shards}
            FROM n, (SELECT * FROM ca_issued WHERE serial = '{template.serial}') AS t""")
    built = time.perf_counter() - t0
    template_cert = x509.load_pem_x509_certificate(template.pem.encode())
    # The shards' CRLs exist before the measured revocation (as in a running CA).
    from certyard.ca.crl_shards import current_shard_crl

    for k in range(args.shards):
        current_shard_crl(ctx, ca_id=ca_id, shard=k)
    view = ca.issue_certificates_for_csrs(ctx, make_csrs(1), profile="server")[0]
    cert = x509.load_pem_x509_certificate(view.pem.encode())
    shard = cert.serial_number % args.shards
    t0 = time.perf_counter()
    ca.revoke_certificate(ctx, view.serial, reason="keyCompromise")
    revoke_s = time.perf_counter() - t0
    with ctx.read() as s:
        shard_der = s.scalar(select(CaCrlShard.crl_der).where(
            CaCrlShard.ca_id == ca_id, CaCrlShard.shard == shard))
    assert shard_der is not None
    shard_crl = x509.load_der_x509_crl(shard_der)
    assert shard_crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    t0 = time.perf_counter()
    full = ca.current_crl(ctx, ca_id=ca_id)
    full_s = time.perf_counter() - t0
    ctx.engine.dispose()

    # openssl ca -gencrl over the same entries and key.
    d = home / "openssl"
    d.mkdir()
    (d / "ca.pem").write_bytes(x509.load_der_x509_certificate(ca_der).public_bytes(Encoding.PEM))
    (d / "ca.key").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                 NoEncryption()))
    stamp = template_cert.not_valid_before_utc.strftime("%y%m%d%H%M%SZ")
    exp = template_cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
    with open(d / "index.txt", "w") as fh:
        for i in range(args.entries):
            serial = format(base + i, "X")
            serial = serial if len(serial) % 2 == 0 else "0" + serial
            reason = ",keyCompromise" if i % 3 else ""
            fh.write(f"R\t{exp}\t{stamp}{reason}\t{serial}\tunknown\t/CN=bulk\n")
        serial = format(cert.serial_number, "X")
        serial = serial if len(serial) % 2 == 0 else "0" + serial
        fh.write(f"R\t{exp}\t{stamp},keyCompromise\t{serial}\tunknown\t/CN=one\n")
    (d / "crlnumber").write_text("01\n")
    (d / "openssl.cnf").write_text(f"""[ ca ]
default_ca = bench
[ bench ]
dir = {d}
database = $dir/index.txt
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
""")
    t0 = time.perf_counter()
    subprocess.run(["openssl", "ca", "-gencrl", "-config", str(d / "openssl.cnf"), "-out",
                    str(d / "crl.pem"), "-batch"], check=True, capture_output=True)
    openssl_s = time.perf_counter() - t0
    print(f"{args.entries:,} revoked entries over {args.shards} shards (bulk insert "
          f"{built:.1f} s); shared, loaded machine: figures vary with its load")
    print(f"revocation end to end (its shard CRL re-signed, OCSP re-signed): "
          f"{revoke_s * 1000:.0f} ms  (goal < 500 ms); shard CRL {len(shard_der):,} bytes, "
          f"{len(shard_crl):,} entries")
    print(f"full CRL build, certyard (cold): {full_s:.2f} s, {len(full):,} bytes")
    print(f"full CRL build, openssl ca -gencrl: {openssl_s:.2f} s")
    print(f"ratio openssl / certyard full build: {openssl_s / max(full_s, 1e-9):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
