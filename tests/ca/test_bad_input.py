"""Bad input: a clear one-line error, and nothing changed (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from certyard import ca
from certyard.db.models.ca import CaCertificate, CaIssued, CaRequest
from certyard.errors import (
    Conflict,
    Duplicate,
    InvalidCSR,
    InvalidInput,
    NotFound,
    PolicyViolation,
    WeakAlgorithm,
)
from tests.ca.helpers import make_csr, rsa_key, setup_ca
from tests.support.snapshot import store_snapshot


def _snapshot(ctx: Any) -> dict[str, Any]:
    snap: dict[str, Any] = dict(store_snapshot(ctx))
    with ctx.read() as s:
        for model in (CaCertificate, CaRequest, CaIssued):
            cols = list(model.__table__.columns)
            snap[model.__tablename__] = sorted(map(tuple, s.execute(select(*cols)).all()),
                                               key=repr)
    return snap


def _broken_signature() -> bytes:
    _, csr = make_csr("www.example.com")
    der = bytearray(csr.public_bytes(Encoding.DER))
    der[-5] ^= 0x55  # inside the signature value
    return bytes(der)


def _csr(*args: Any, **kwargs: Any) -> bytes:
    return make_csr(*args, **kwargs)[1].public_bytes(Encoding.PEM)


def _ed25519_csr() -> bytes:
    key = ed25519.Ed25519PrivateKey.generate()
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "e.example.com")]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName("e.example.com")]), False)
           .sign(key, None))
    return csr.public_bytes(Encoding.PEM)


CASES = [
    ("broken signature", lambda: _broken_signature(), InvalidCSR, "signature does not verify"),
    ("not a CSR", lambda: b"hello", InvalidCSR, None),
    ("RSA-1024", lambda: _csr(key=rsa_key(1024)), WeakAlgorithm, "RSA-1024"),
    ("P-192", lambda: _csr(key=ec.generate_private_key(ec.SECP192R1())), WeakAlgorithm,
     "secp192r1"),
    ("Ed25519", lambda: _ed25519_csr(), WeakAlgorithm, "not supported"),
    ("forbidden domain", lambda: _csr("www.evil.org"), PolicyViolation, "allowed domains"),
    ("wildcard", lambda: _csr("*.example.com"), PolicyViolation, "wildcard"),
    ("subject attribute", lambda: _csr("a.example.com", extra_attrs=[
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, "x@example.com")]), PolicyViolation,
     "emailAddress"),
    ("no name", lambda: _csr("no dots here", sans=[]), PolicyViolation, "needs a DNS"),
]


@pytest.mark.parametrize("label,make,error,match", CASES, ids=[c[0] for c in CASES])
def test_submit_refused(ctx, label, make, error, match) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    ca.configure_ca(ctx, allowed_domains=["example.com"])
    before = _snapshot(ctx)
    with pytest.raises(error, match=match) as info:
        ca.submit_request(ctx, make())
    assert "\n" not in str(info.value)
    assert _snapshot(ctx) == before


def test_queue_errors(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    _, csr = make_csr("www.example.com")
    pem = csr.public_bytes(Encoding.PEM)
    first = ca.submit_request(ctx, pem)
    before = _snapshot(ctx)
    with pytest.raises(Duplicate, match="already pending"):
        ca.submit_request(ctx, pem)
    with pytest.raises(NotFound, match="request 9999 not found"):
        ca.issue_request(ctx, 9999)
    with pytest.raises(NotFound, match="request 9999"):
        ca.show_request(ctx, 9999)
    with pytest.raises(NotFound, match="certificate with serial abcdef not found"):
        ca.revoke_certificate(ctx, "ab:cd:ef")
    with pytest.raises(InvalidInput, match="not a hexadecimal serial"):
        ca.revoke_certificate(ctx, "zz-top")
    with pytest.raises(InvalidInput, match="reason is required"):
        ca.deny_request(ctx, first.id, reason="  ")
    with pytest.raises(InvalidInput, match="validity"):
        ca.issue_request(ctx, first.id, days=5000)
    with pytest.raises(InvalidInput, match="there is no profile 'nope'; use server-client, "
                       "server, client, ocsp, sub-ca"):
        ca.issue_request(ctx, first.id, profile="nope")
    with pytest.raises(InvalidInput, match="state must be"):
        ca.list_requests(ctx, state="weird")
    assert _snapshot(ctx) == before

    denied = ca.deny_request(ctx, first.id, reason="not ours")
    assert denied.state == "denied" and denied.reason == "not ours"
    with pytest.raises(Conflict, match="is denied, not pending"):
        ca.issue_request(ctx, first.id)
    # Denial frees the key: the same CSR may be submitted again.
    again = ca.submit_request(ctx, pem)
    issued = ca.issue_request(ctx, again.id)
    with pytest.raises(Conflict, match="is issued"):
        ca.deny_request(ctx, again.id, reason="late")
    ca.revoke_certificate(ctx, issued.serial, reason="superseded")
    before = _snapshot(ctx)
    with pytest.raises(Conflict, match="already revoked"):
        ca.revoke_certificate(ctx, issued.serial)
    with pytest.raises(InvalidInput, match="unknown revocation reason"):
        ca.revoke_certificate(ctx, issued.serial, reason="bored")
    with pytest.raises(Conflict, match="not on hold"):
        ca.release_hold(ctx, issued.serial)
    assert _snapshot(ctx) == before


def test_no_ca_yet(ctx) -> None:  # type: ignore[no-untyped-def]
    from certyard.cluster import init_cluster
    from certyard.errors import NotInitialised

    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    with pytest.raises(NotInitialised, match="ca init"):
        ca.submit_request(ctx, _csr())
    ca.init_ca(ctx, key_type="EC", key_size=256)
    with pytest.raises(Conflict, match="already set up"):
        ca.init_ca(ctx, key_type="EC", key_size=256)
    with pytest.raises(InvalidInput, match="plain http"):
        ca.configure_ca(ctx, base_url="https://x.example.com")


def test_cli_bad_input(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("ca", "init").code == 0
    bad = tmp_path / "bad.csr"
    bad.write_bytes(_broken_signature())
    r = cli("ca", "submit", str(bad))
    assert r.code == 3 and "signature does not verify" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("ca", "show-request", "42")
    assert r.code == 4 and "request 42 not found" in r.stderr
    r = cli("ca", "revoke", "0123abcd", "--yes")
    assert r.code == 4
    r = cli("ca", "export", "--format", "der", "--chain")
    assert r.code == 2
    assert cli("ca", "requests", "--json").json() == {"items": [], "total": 0}
