"""Foundation benchmark: CSRs generated per second, certificates uploaded per second, and
`cert list` over a store of 100,000 certificates — each beside its peer.

Peers: `openssl req -newkey` (key + CSR), `openssl verify` (parse + chain check), and a raw
SQL query of the same page (the floor for listing).

    python benchmarks/store_throughput.py [--csrs 20] [--uploads 50] [--rows 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from _common import fresh_context, rate, report
from cryptography import x509
from sqlalchemy import insert, text

from certyard import cluster, store
from certyard.db.models import StoreEntry
from tests.support.pki import make_ca, pem, sign_leaf


def bench_csrs(ctx, n: int, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    ours = rate(n, lambda i: store.generate_csr(ctx, "tomcat"))

    def peer(i: int) -> None:
        subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", str(tmp / "k.pem"), "-out", str(tmp / "r.csr"),
                        "-subj", "/CN=pub.example.com"], check=True, capture_output=True)

    report("CSR generation (RSA-2048 key + CSR)", ours, rate(n, peer), "openssl req")


def bench_uploads(ctx, n: int, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    root, root_key = make_ca("Bench Root")
    store.upload_trust_certificates(ctx, "tomcat-ECDSA-trust", pem(root))
    (tmp / "root.pem").write_bytes(pem(root))
    store.generate_csr(ctx, "tomcat-ECDSA", key_length=256)
    csr = x509.load_pem_x509_csr(store.download_csr(ctx, "tomcat-ECDSA")[1])
    leaves = [pem(sign_leaf(csr, root, root_key, cn=f"leaf{i}")) for i in range(n)]
    for i, leaf in enumerate(leaves):
        (tmp / f"leaf{i}.pem").write_bytes(leaf)
    ours = rate(n, lambda i: store.upload_identity_certificate(ctx, "tomcat-ECDSA", leaves[i]))

    def peer(i: int) -> None:
        subprocess.run(["openssl", "verify", "-CAfile", str(tmp / "root.pem"),
                        str(tmp / f"leaf{i}.pem")], check=True, capture_output=True)

    report("certificate upload (parse, match, chain, store)", ours, rate(n, peer),
           "openssl verify")


def bench_list(ctx, rows: int) -> None:  # type: ignore[no-untyped-def]
    sample = store.find_entries(ctx, type="identity").items[0]
    with ctx.read() as s:
        der = s.get(StoreEntry, sample.id).der
    now = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    batch = []
    with ctx.transaction() as s:
        for i in range(rows):
            batch.append({
                "slot": f"trust:tomcat:bench{i:08d}", "type": "trust", "purpose": "tomcat",
                "node_id": None, "source_node_id": None, "distribution": "all",
                "common_name": f"bench-{i:08d}.example.com", "subject": f"CN=bench-{i}",
                "issuer": "CN=Bench CA", "serial": format(i, "x"), "not_before": now,
                "not_after": now + dt.timedelta(days=i % 3650), "key_type": "RSA",
                "key_size": 2048, "signature_hash": "SHA256", "self_signed": False,
                "fingerprint_sha256": f"{i:064x}", "public_sha256": f"{i:064x}", "sans": [],
                "description": "", "der": der, "private_key_id": None, "created_at": now,
            })
            if len(batch) == 5000:
                s.execute(insert(StoreEntry), batch)
                batch = []
        if batch:
            s.execute(insert(StoreEntry), batch)
    print(f"  (inserted {rows:,} rows in {time.perf_counter() - t0:.1f}s)")
    # Each query beside the same SQL written by hand (count + one page): the floor.
    queries = [
        (dict(sort="common_name"), "", "common_name", 0),
        (dict(sort="expiration", descending=True), "", "not_after DESC", 0),
        (dict(text="bench-0004", sort="common_name"),
         "WHERE lower(common_name) LIKE '%bench-0004%'", "common_name", 0),
        (dict(purpose="tomcat-trust", page=500, page_size=50),
         "WHERE purpose = 'tomcat' AND type = 'trust'", "common_name", 499 * 50),
    ]
    n = 20
    for q, where, order, offset in queries:
        ours_t = []
        for _ in range(n):
            t0 = time.perf_counter()
            store.find_entries(ctx, **q)  # type: ignore[arg-type]
            ours_t.append(time.perf_counter() - t0)
        count_sql = text(f"SELECT count(*) FROM store_entry {where}")
        page_sql = text(f"SELECT * FROM store_entry {where} ORDER BY {order}, id "
                        f"LIMIT 50 OFFSET {offset}")
        peer_t = []
        for _ in range(n):
            t0 = time.perf_counter()
            with ctx.engine.connect() as c:
                c.execute(count_sql).scalar()
                c.execute(page_sql).all()
            peer_t.append(time.perf_counter() - t0)
        ours_ms = sorted(ours_t)[n // 2] * 1000
        peer_ms = sorted(peer_t)[n // 2] * 1000
        report(f"cert list {q} (median ms)"[:70], ours_ms, peer_ms, "hand SQL", unit="ms",
               higher_is_better=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--csrs", type=int, default=20)
    ap.add_argument("--uploads", type=int, default=50)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--database-url", default=os.environ.get("CERTYARD_DATABASE_URL"))
    args = ap.parse_args()
    ctx = fresh_context(args.database_url)
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    print(f"backend: {ctx.engine.dialect.name}")
    with tempfile.TemporaryDirectory() as d:
        bench_csrs(ctx, args.csrs, Path(d))
        bench_uploads(ctx, args.uploads, Path(d))
    bench_list(ctx, args.rows)


if __name__ == "__main__":
    main()
