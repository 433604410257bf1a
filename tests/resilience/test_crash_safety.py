"""kill -9 of the real CLI in the middle of issuance, upload, CRL generation and agent sync,
on SQLite and PostgreSQL: afterwards the store is consistent (``consistency.check_store``)
and the agent directory holds only complete files.

Each operation is first run once to completion to measure how long it takes; the kills then
land at random points drawn from that duration (most of it is interpreter start-up, so the
window is weighted towards its database-touching end). The loop is bounded: ``KILLS`` per
operation and backend.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from certyard import ca, cluster
from tests.resilience.consistency import check_agent_dir, check_store, crl_numbers

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("CERTYARD_CRASH_KILLS", "3"))
RNG = random.Random(int(os.environ.get("CERTYARD_CRASH_SEED", "9")))


def _spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from certyard.cli.main import run; run()", *args],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _run(env: dict[str, str], *args: str) -> tuple[int, float, str]:
    start = time.monotonic()
    p = _spawn(env, *args)
    _, err = p.communicate(timeout=120)
    return p.returncode, time.monotonic() - start, err.decode(errors="replace")


KILLED: list[str] = []  # which commands a SIGKILL actually interrupted (the module checks)


def _kill_at(env: dict[str, str], delay: float, *args: str) -> int | None:
    """Start the command, SIGKILL it after ``delay`` seconds; its exit code if it finished."""
    p = _spawn(env, *args)
    try:
        p.wait(timeout=delay)
        return p.returncode
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
        KILLED.append(" ".join(args[:2]))
        return None
    finally:
        assert p.stderr is not None
        p.stderr.close()


def _delays(duration: float) -> list[float]:
    return [RNG.uniform(0.45, 1.05) * duration for _ in range(KILLS)]


def _kill_delays(duration: float) -> Iterator[float]:
    """``KILLS`` random delays; then, while none of them caught the command still running
    (each run was quicker than its delay), ever earlier ones: every test checks the store
    after at least one real interruption, whichever worker runs it."""
    before = len(KILLED)
    yield from _delays(duration)
    delay = 0.4 * duration
    for _ in range(6):
        if len(KILLED) > before:
            return
        yield delay
        delay /= 2
    assert len(KILLED) > before, "no kill landed while the command was running"


def _assert_consistent(env: dict[str, str], when: str) -> None:
    problems = check_store(env)
    assert not problems, f"after {when}: " + "; ".join(problems)


def _csr(cn: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(Encoding.PEM)


@pytest.fixture
def ca_ctx(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx, common_name="Crash CA", key_type="EC", key_size=256)
    return ctx


def test_kill_during_issuance(ca_ctx, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    ids = [ca.submit_request(ca_ctx, _csr("h0.example.com")).id]
    code, took, err = _run(env, "ca", "issue", str(ids[0]))
    assert code == 0, err
    for i, delay in enumerate(_kill_delays(took), start=1):
        rid = ca.submit_request(ca_ctx, _csr(f"h{i}.example.com")).id
        ids.append(rid)
        _kill_at(env, delay, "ca", "issue", str(rid))
        _assert_consistent(env, f"kill -9 of `ca issue {rid}` at {delay:.2f}s")
    # A request the crash left pending is issued by a retry; none is issued twice.
    pending = [rid for rid in ids if ca.show_request(ca_ctx, rid).state == "pending"]
    if pending:
        code, _, err = _run(env, "ca", "issue", str(pending[0]))
        assert code == 0, err
        assert ca.show_request(ca_ctx, pending[0]).state == "issued"
    issued = [r for r in ca.list_issued(ca_ctx) if r.request_id in ids]
    assert len(issued) == len({r.request_id for r in issued}) == len(ids) - len(pending[1:])
    _assert_consistent(env, "the retries")


def test_kill_during_upload(ca_ctx, env: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from certyard.store import generate_csr

    def prepare(i: int) -> Path:
        csr = generate_csr(ca_ctx, "tomcat").pem
        issued = ca.issue_certificate_for_csr(ca_ctx, csr.encode(), profile="server-client")
        path = tmp_path / f"signed{i}.pem"
        path.write_bytes(issued.pem.encode() + ca.export_ca(ca_ctx, chain=True))
        return path

    code, took, err = _run(env, "cert", "upload", "tomcat", str(prepare(0)))
    assert code == 0, err
    for i, delay in enumerate(_kill_delays(took), start=1):
        _kill_at(env, delay, "cert", "upload", "tomcat", str(prepare(i)))
        _assert_consistent(env, f"kill -9 of `cert upload` at {delay:.2f}s")
    code, _, err = _run(env, "cert", "upload", "tomcat", str(prepare(99)))
    assert code == 0, err
    _assert_consistent(env, "a final upload")


def _revoke_many(ctx, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    issued = ca.issue_certificates_for_csrs(
        ctx, [_csr(f"r{i}.example.com") for i in range(n)], profile="server", workers=1)
    serials = [v.serial for v in issued]
    for s in serials[: n * 2 // 3]:
        ca.revoke_certificate(ctx, s, reason="superseded")
    return serials[n * 2 // 3:]


def _age_crls(ctx) -> None:  # type: ignore[no-untyped-def]
    """Move every stored CRL half its validity into the past, so `ca crl` must re-sign."""
    from certyard.db.models.ca import CaCertificate

    with ctx.transaction() as s:
        for row in s.scalars(select(CaCertificate).where(CaCertificate.crl_der.is_not(None))):
            span = row.crl_next_update - row.crl_this_update
            row.crl_this_update -= span
            row.crl_next_update -= span


def test_kill_during_crl_generation(ca_ctx, env: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`ca revoke` re-signs the CRL (here with ~100 entries) in its transaction; `ca crl`
    does when the CRL is due. Kills alternate between the two; the CRL number never goes
    back, and moves on exactly when a new CRL was committed."""
    from certyard.db.models.ca import CaIssued

    left = _revoke_many(ca_ctx, 150)
    before = crl_numbers(env)
    code, took, err = _run(env, "ca", "revoke", left[0], "--reason", "keyCompromise", "--yes")
    assert code == 0, err
    after = crl_numbers(env)
    assert any(after[k] > before[k] for k in before), (before, after)
    _age_crls(ca_ctx)
    code, took_crl, err = _run(env, "ca", "crl", "-o", str(tmp_path / "crl.der"))
    assert code == 0, err
    assert any(v > after[k] for k, v in crl_numbers(env).items()), "`ca crl` did not re-sign"
    for i, (serial, delay) in enumerate(zip(left[1:], _kill_delays(max(took, took_crl)),
                                            strict=False)):
        prev = crl_numbers(env)
        if i % 2:
            _age_crls(ca_ctx)
            _kill_at(env, delay, "ca", "crl", "-o", str(tmp_path / f"crl{i}.der"))
            changed = None
        else:
            _kill_at(env, delay, "ca", "revoke", serial, "--yes")
            with ca_ctx.read() as s:
                changed = s.scalar(select(CaIssued.status).where(
                    CaIssued.serial == serial)) == "revoked"
        now = crl_numbers(env)
        assert all(now[k] >= prev[k] for k in prev), ("CRL number went back", prev, now)
        if changed is True:
            assert any(now[k] > prev[k] for k in prev), "revoked without a new CRL"
        elif changed is False:
            assert now == prev, "a new CRL number without the revocation"
        _assert_consistent(env, f"kill -9 at {delay:.2f}s (kill {i})")
    prev = crl_numbers(env)
    code, _, err = _run(env, "ca", "revoke", left[-1], "--yes")
    assert code == 0, err
    assert any(v > prev[k] for k, v in crl_numbers(env).items())
    _assert_consistent(env, "a final revocation")


def test_kill_during_agent_sync(ctx, env: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from certyard.agent.client import enroll
    from certyard.cluster.agents import create_enroll_token
    from certyard.store import generate_self_signed
    from tests.agent.conftest import AgentServer

    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    cluster.add_node(ctx, "sub1", fqdn="sub1.example.com")
    ca.init_ca(ctx, common_name="Crash Agent CA")
    srv = AgentServer(ctx)
    srv.start()
    try:
        home = tmp_path / "agent-sub1"
        enroll(home, server=srv.url, token=create_enroll_token(ctx, "sub1").token,
               shred_passes=1, insecure_tofu=True)
        code, took, err = _run(env, "agent", "run", "--once", "--home", str(home))
        assert code == 0, err
        change: list[Callable[[], object]] = [
            lambda: generate_self_signed(ctx, "tomcat", node="sub1"),
            lambda: generate_self_signed(ctx, "ipsec", node="sub1")]
        for i, delay in enumerate(_kill_delays(took)):
            change[i % 2]()
            # Files with stable names (identity, key, bundle) must never vanish; per-
            # certificate trust files may, when the new state drops their certificate.
            good = [p for p in (home / "files").rglob("*")
                    if p.is_file() and p.parent.name in ("certs", "keys", "bundles")]
            _kill_at(env, delay, "agent", "run", "--once", "--home", str(home))
            problems = [p for p in check_agent_dir(home) if "temporary file" not in p]
            assert not problems, f"after kill at {delay:.2f}s: {problems}"
            for p in good:  # the old version or a complete new one, never nothing
                assert p.exists(), f"{p} vanished"
        code, _, err = _run(env, "agent", "run", "--once", "--home", str(home))
        assert code == 0, err
        assert not check_agent_dir(home)
    finally:
        srv.stop()
    _assert_consistent(env, "agent sync kills")


def test_sync_clears_what_a_kill_mid_write_left(tmp_path: Path) -> None:
    """A kill between an atomic write's temp file and its rename leaves ``.NAME.tmp-PID``
    behind — for a key, a cleartext copy nothing would ever shred. The next sync removes
    (for keys: shreds) temp files of writers that are gone, and leaves a live one's alone."""
    from certyard.agent.apply import apply_state

    root = tmp_path / "files"
    (root / "keys").mkdir(parents=True)
    (root / "certs").mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale_key = root / "keys" / f".tomcat.key.tmp-{dead.pid}"
    stale_key.write_bytes(b"-----BEGIN PRIVATE KEY-----\nsecret")
    stale_cert = root / "certs" / f".tomcat.pem.tmp-{dead.pid}"
    stale_cert.write_bytes(b"-----BEGIN CERT")
    live = root / "certs" / f".ipsec.pem.tmp-{os.getppid()}"
    live.write_bytes(b"being written")
    apply_state(root, {"version": "1"}, reload_commands={}, shred_passes=1)
    assert not stale_key.exists() and not stale_cert.exists()
    assert live.exists()
