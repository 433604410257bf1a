"""Make the upgrade fixture: a database written by a *released* certyard, populated through
its CLI (certificates, keys, requests, settings, users, audit records).

Run it with the released code on PYTHONPATH, e.g. for the code of commit C::

    git -C /work/main archive C src | tar -x -C /tmp/released
    PYTHONPATH=/tmp/released/src python3 tests/data/upgrade/make_fixture.py \
        tests/data/upgrade [--pg-url postgresql://.../empty_db]

It writes ``certyard-sqlite.db`` (SQLite), ``certyard-postgresql.sql`` (plain pg_dump of the
same steps run on PostgreSQL, when ``--pg-url`` is given) and ``manifest.json`` (the master
key, the code's commit and the schema heads). The test derives every expectation from the
fixture itself (rows before the upgrade against rows after), so it stays valid as new
migrations land.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MASTER_KEY = base64.b64encode(bytes(range(32))).decode()


def _csr(cn: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM)


def populate(env: dict[str, str], work: Path) -> None:
    def cli(*args: str, stdin: bytes = b"") -> str:
        proc = subprocess.run([sys.executable, "-m", "certyard.cli.main", *args],
                              env=env, input=stdin, capture_output=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"certyard {' '.join(args)} failed: {proc.stderr.decode()}")
        return proc.stdout.decode()

    cli("init")
    cli("ca", "init", "--cn", "Fixture Root CA")
    cli("csr", "generate", "tomcat")
    cli("ca", "sign-pending", "tomcat", "--approve")
    cli("csr", "generate", "ipsec")
    cli("ca", "sign-pending", "ipsec")  # stays pending
    for n, cn in enumerate(("svc-a.fixture.test", "svc-b.fixture.test", "svc-c.fixture.test")):
        path = work / f"{n}.csr"
        path.write_bytes(_csr(cn))
        req = json.loads(cli("ca", "submit", str(path), "--json"))
        rid = str(req.get("id") or req.get("request_id"))
        if n == 0:
            cli("ca", "issue", rid)
        elif n == 1:
            cli("ca", "deny", rid, "--reason", "fixture: denied on purpose")
    cli("tls", "min-version", "set", "1.2")
    cli("smtp", "set", "--host", "mail.fixture.test", "--port", "587", "--security",
        "starttls", "--sender", "certyard@fixture.test")
    cli("user", "add", "fixture-operator", "--role", "Read-only",
        stdin=b"Fixture-Passw0rd-2026!\nFixture-Passw0rd-2026!\n")
    cli("audit", "verify")


def _sqlite(env: dict[str, str], home: Path, out: Path, work: Path) -> None:
    import sqlite3

    populate(env, work)
    target = out / "certyard-sqlite.db"
    target.unlink(missing_ok=True)
    src, dst = sqlite3.connect(home / "certyard.db"), sqlite3.connect(target)
    src.backup(dst)
    dst.execute("PRAGMA journal_mode=DELETE")
    dst.close()
    src.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--pg-url", default="")
    ap.add_argument("--only-pg", action="store_true", help="keep the SQLite fixture")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from alembic.script import ScriptDirectory

    import certyard
    from certyard.db.engine import alembic_config

    heads = sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "CERTYARD_HOME": str(home), "CERTYARD_MASTER_KEY": MASTER_KEY,
               "COLUMNS": "200"}
        env.pop("CERTYARD_DATABASE_URL", None)
        if not args.only_pg:
            _sqlite(env, home, args.out, Path(tmp))
        if args.pg_url:
            home2 = Path(tmp) / "home-pg"
            populate({**env, "CERTYARD_HOME": str(home2),
                      "CERTYARD_DATABASE_URL": args.pg_url}, Path(tmp))
            dump = subprocess.run(
                [shutil.which("pg_dump") or "pg_dump", "--format=plain", "--no-owner",
                 "--no-privileges", "--inserts", f"--dbname={args.pg_url.replace('+psycopg', '')}"],
                capture_output=True, check=True)
            lines = [ln for ln in dump.stdout.decode().splitlines()
                     if not ln.startswith(("SET transaction_timeout", "\\restrict",
                                           "\\unrestrict"))]
            (args.out / "certyard-postgresql.sql").write_text("\n".join(lines) + "\n")
    commit = os.environ.get("FIXTURE_COMMIT", "")
    (args.out / "manifest.json").write_text(json.dumps({
        "made_by": f"certyard {certyard.__version__} {commit}".strip(),
        "master_key": MASTER_KEY, "heads": heads}, indent=1) + "\n")


if __name__ == "__main__":
    main()
