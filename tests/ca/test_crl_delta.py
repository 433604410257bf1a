"""Delta CRLs (RFC 5280 5.2.4, 5.2.6): with ``crl_delta`` on, the full CRL names the delta in
a Freshest CRL extension; the delta carries a critical Delta CRL Indicator (the base's
number) and its own number from the same sequence, and lists what changed since the base
(revocations, holds made permanent, released holds as removeFromCRL). openssl parses and
verifies the delta, and ``verify -crl_check -use_deltas`` with base + delta gives the right
answer for a certificate revoked after the base. Both backends."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certyard import ca
from tests.ca.helpers import make_csr, setup_ca, write_pem
from tests.ca.server import public_server

BASE_URL = "http://crl.example.com:8080"


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def _issue(ctx: Any, n: int) -> list[x509.Certificate]:
    out = []
    for i in range(n):
        _, csr = make_csr(f"d{i}.example.com")
        out.append(x509.load_pem_x509_certificate(
            ca.issue_certificate_for_csr(ctx, csr, profile="server").pem.encode()))
    return out


def _hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def _number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def _indicator(crl: x509.CertificateRevocationList) -> int:
    ext = crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    assert ext.critical
    return ext.value.crl_number


def _chain(ctx: Any) -> tuple[list[x509.Certificate], int]:
    from certyard.ca.authority import ca_certificate, ca_chain

    with ctx.read() as s:
        rows = ca_chain(s)
        return [ca_certificate(r) for r in rows], rows[0].id


def test_base_and_delta_with_openssl(ctx: Any, tmp_path: Path) -> None:
    setup_ca(ctx)
    ca.configure_ca(ctx, base_url=BASE_URL)
    early, victim, bystander, held = _issue(ctx, 4)
    chain, ca_id = _chain(ctx)
    ca.revoke_certificate(ctx, _hex(early), reason="superseded")
    ca.revoke_certificate(ctx, _hex(held), reason="certificateHold")
    ca.configure_ca(ctx, crl_delta=True)  # the next full CRL is the first base
    base_der = ca.current_crl(ctx)
    base = x509.load_der_x509_crl(base_der)
    freshest = base.extensions.get_extension_for_class(x509.FreshestCRL)
    assert not freshest.critical
    assert [str(n.value) for n in freshest.value[0].full_name or []] == [
        f"{BASE_URL}/ca/{ca_id}/delta.crl"]
    first_delta = x509.load_der_x509_crl(ca.current_delta_crl(ctx))
    assert len(first_delta) == 0 and _indicator(first_delta) == _number(base)
    assert _number(first_delta) > _number(base)

    # After the base: a revocation and a released hold go into the delta only.
    ca.revoke_certificate(ctx, _hex(victim), reason="keyCompromise")
    ca.release_hold(ctx, _hex(held))
    assert ca.current_crl(ctx) == base_der  # the full CRL was not re-signed
    with public_server(ctx) as url, httpx.Client(base_url=url) as client:
        r = client.get(f"/ca/{ca_id}/delta.crl")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pkix-crl"
        assert "max-age=" in r.headers["cache-control"] and r.headers["expires"]
        assert r.headers["last-modified"] and r.headers["etag"]
        again = client.get(f"/ca/{ca_id}/delta.crl", headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert client.head(f"/ca/{ca_id}/delta.crl").status_code == 200
        assert client.get("/ca/999/delta.crl").status_code == 404
        delta_der = r.content
    delta = x509.load_der_x509_crl(delta_der)
    assert _indicator(delta) == _number(base)
    assert _number(delta) > _number(first_delta)
    assert not any(isinstance(e.value, x509.FreshestCRL) for e in delta.extensions)
    entries = {e.serial_number: e for e in delta}
    assert set(entries) == {victim.serial_number, held.serial_number}
    assert entries[victim.serial_number].extensions.get_extension_for_class(
        x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    assert entries[held.serial_number].extensions.get_extension_for_class(
        x509.CRLReason).value.reason == x509.ReasonFlags.remove_from_crl

    write_pem(tmp_path / "chain.pem", *chain)
    (tmp_path / "base.pem").write_bytes(base.public_bytes(Encoding.PEM))
    (tmp_path / "delta.pem").write_bytes(delta.public_bytes(Encoding.PEM))
    for name in ("base", "delta"):
        done = _openssl("crl", "-in", f"{name}.pem", "-CAfile", "chain.pem", "-verify",
                        "-noout", cwd=tmp_path)
        assert "verify OK" in done.stdout + done.stderr, done.stderr
    for name, cert in (("early", early), ("victim", victim), ("bystander", bystander),
                       ("held", held)):
        write_pem(tmp_path / f"{name}.pem", cert)

    def verify(name: str, *crls: str, deltas: bool = True) -> subprocess.CompletedProcess[str]:
        files = [a for c in crls for a in ("-CRLfile", c)]
        return _openssl("verify", "-crl_check", *(["-use_deltas"] if deltas else []),
                        "-CAfile", "chain.pem", *files, f"{name}.pem", cwd=tmp_path)

    # base + delta: revoked after the base is revoked; the released hold and the untouched
    # certificate verify; the one revoked before the base stays revoked.
    revoked = verify("victim", "base.pem", "delta.pem")
    assert revoked.returncode != 0 and "revoked" in revoked.stdout + revoked.stderr
    assert verify("bystander", "base.pem", "delta.pem").returncode == 0
    released = verify("held", "base.pem", "delta.pem")
    assert released.returncode == 0, released.stdout + released.stderr
    assert verify("early", "base.pem", "delta.pem").returncode != 0
    # The base alone does not know yet: the delta is what tells.
    assert verify("victim", "base.pem").returncode == 0
    assert verify("held", "base.pem").returncode != 0


def test_numbers_increase_and_a_new_base_resets_the_delta(ctx: Any, clock: Any) -> None:
    setup_ca(ctx)
    ca.configure_ca(ctx, crl_delta=True, crl_delta_hours=2, crl_days=2)
    one, two, three = _issue(ctx, 3)
    seen: list[int] = []

    def numbers() -> tuple[x509.CertificateRevocationList, x509.CertificateRevocationList]:
        base = x509.load_der_x509_crl(ca.current_crl(ctx))
        delta = x509.load_der_x509_crl(ca.current_delta_crl(ctx))
        for n in (_number(base), _number(delta)):
            if n not in seen:
                assert not seen or n > seen[-1]
                seen.append(n)
        assert _indicator(delta) == _number(base) < _number(delta)
        return base, delta

    base, _ = numbers()
    ca.revoke_certificate(ctx, _hex(one))
    base2, delta2 = numbers()
    assert _number(base2) == _number(base) and len(delta2) == 1
    # Half the delta's validity passed: the delta is re-signed (same base, same entries).
    clock.advance(dt.timedelta(hours=1, minutes=1))
    assert ca.refresh_crls(ctx) >= 1
    base3, delta3 = numbers()
    assert _number(base3) == _number(base) and _number(delta3) > _number(delta2)
    assert [e.serial_number for e in delta3] == [one.serial_number]
    assert delta3.next_update_utc - delta3.last_update_utc == dt.timedelta(hours=2)
    # Half the base's validity passed: a new base lists the revocation; the delta is empty.
    clock.advance(dt.timedelta(days=1))
    ca.refresh_crls(ctx)
    base4, delta4 = numbers()
    assert _number(base4) > _number(delta3)
    assert base4.get_revoked_certificate_by_serial_number(one.serial_number) is not None
    assert len(delta4) == 0
    ca.revoke_certificate(ctx, _hex(two), reason="certificateHold")
    ca.revoke_certificate(ctx, _hex(two), reason="keyCompromise")  # the hold made permanent
    ca.revoke_certificate(ctx, _hex(three), reason="certificateHold")
    ca.release_hold(ctx, _hex(three))  # held and released after the base: not in the delta
    base5, delta5 = numbers()
    assert base5.public_bytes(Encoding.DER) == base4.public_bytes(Encoding.DER)
    [entry] = list(delta5)
    assert entry.serial_number == two.serial_number
    assert entry.extensions.get_extension_for_class(
        x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise


def test_off_by_default_and_turning_off_drops_freshest(ctx: Any, cli: Any) -> None:
    setup_ca(ctx)
    base = x509.load_der_x509_crl(ca.current_crl(ctx))
    assert not any(isinstance(e.value, x509.FreshestCRL) for e in base.extensions)
    r = cli("ca", "crl", "--delta", "--format", "pem")
    assert r.code == 4 and "delta CRL" in r.stderr and "Traceback" not in r.stderr
    assert cli("ca", "config", "--crl-delta-hours", "0").code != 0
    r = cli("ca", "config", "--crl-delta", "--crl-delta-hours", "3", "--json")
    assert r.code == 0 and r.json()["crl_delta"] is True
    assert r.json()["crl_delta_hours"] == 3
    # Turned on: the next full CRL (signed at once, it no longer matches) names the delta.
    base = x509.load_der_x509_crl(ca.current_crl(ctx))
    assert base.extensions.get_extension_for_class(x509.FreshestCRL)
    r = cli("ca", "crl", "--delta", "--format", "pem")
    assert r.code == 0, r.stderr
    delta = x509.load_pem_x509_crl(r.stdout.encode())
    assert _indicator(delta) == _number(base)
    ca.configure_ca(ctx, crl_delta=False)
    base = x509.load_der_x509_crl(ca.current_crl(ctx))
    assert not any(isinstance(e.value, x509.FreshestCRL) for e in base.extensions)


def test_api_crl_and_delta(ctx: Any) -> None:
    from tests.api.helpers import make_harness

    h = make_harness(ctx)
    headers = {"Authorization": f"Bearer {h.tokens['Read-only']}"}
    r = h.client.get("/api/v1/ca/crl", headers=headers)  # no CA yet: no CRL
    assert r.status_code == 404 and "not set up" in r.json()["error"]["message"]
    ca.init_ca(ctx)
    r = h.client.get("/api/v1/ca/crl", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pkix-crl"
    x509.load_der_x509_crl(r.content)
    assert h.client.get("/api/v1/ca/crl?delta=true", headers=headers).status_code == 404
    assert h.client.get("/api/v1/ca/crl?delta=maybe", headers=headers).status_code == 422
    assert h.client.get("/api/v1/ca/crl").status_code == 401
    ca.configure_ca(ctx, crl_delta=True)
    r = h.client.get("/api/v1/ca/crl?delta=true", headers=headers)
    assert r.status_code == 200
    x509.load_der_x509_crl(r.content).extensions.get_extension_for_class(x509.DeltaCRLIndicator)


def test_with_shards_a_revocation_re_signs_its_shard_and_the_delta(ctx: Any) -> None:
    setup_ca(ctx)
    ca.configure_ca(ctx, crl_shards=4, crl_delta=True)
    victim, bystander = _issue(ctx, 2)
    _, ca_id = _chain(ctx)
    base_der = ca.current_crl(ctx)
    from certyard.ca.crl_shards import current_shard_crl

    shard = victim.serial_number % 4
    before = x509.load_der_x509_crl(current_shard_crl(ctx, ca_id=ca_id, shard=shard))
    ca.revoke_certificate(ctx, _hex(victim), reason="keyCompromise")
    assert ca.current_crl(ctx) == base_der  # neither re-signed nor marked due
    after = x509.load_der_x509_crl(current_shard_crl(ctx, ca_id=ca_id, shard=shard))
    assert _number(after) == _number(before) + 1
    assert after.get_revoked_certificate_by_serial_number(victim.serial_number) is not None
    # Shards carry no Freshest CRL: their own CRL is already current.
    assert not any(isinstance(e.value, x509.FreshestCRL) for e in after.extensions)
    delta = x509.load_der_x509_crl(ca.current_delta_crl(ctx))
    assert [e.serial_number for e in delta] == [victim.serial_number]
    assert _indicator(delta) == _number(x509.load_der_x509_crl(base_der))
    assert bystander.serial_number not in {e.serial_number for e in delta}
