"""Bad input: each is refused with a one-line error naming the problem, and the store is
exactly as before — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certyard import cluster, store
from certyard.errors import (
    CertificateNotValidNow,
    CertyardError,
    InvalidCertificateFile,
    InvalidFile,
    InvalidInput,
    InvalidName,
    KeyMismatch,
    UntrustedChain,
    WeakAlgorithm,
)
from tests.support.openssl_ca import openssl
from tests.support.pki import NOW, make_ca, pem, sign_leaf
from tests.support.snapshot import store_snapshot


@pytest.fixture
def ready(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    root, root_key = make_ca("Bad Input Root")
    store.upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    store.generate_csr(ctx, "tomcat")
    csr_pem = store.download_csr(ctx, "tomcat")[1]
    csr = x509.load_pem_x509_csr(csr_pem)
    return ctx, root, root_key, csr


def refused(ctx, exc_type, match, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    before = store_snapshot(ctx)
    with pytest.raises(exc_type, match=match) as info:
        fn(*args, **kwargs)
    assert "\n" not in str(info.value)
    assert store_snapshot(ctx) == before
    return info.value


@pytest.mark.parametrize("data,match", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"garbage garbage", "neither PEM text nor DER"),
    (b"\x30\x82\x01\x00\x02\x01", "truncated"),
    (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a certificate"),
    (b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
     "labelled 'CERTIFICATE REQUEST'"),
    (b"-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n", "invalid base64"),
    (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "no complete BEGIN/END"),
])
def test_unreadable_files_refused(ready, data: bytes, match: str) -> None:  # type: ignore[no-untyped-def]
    ctx = ready[0]
    refused(ctx, InvalidFile, match, store.upload_trust_certificates, ctx, "tomcat-trust", data)
    refused(ctx, InvalidFile, match, store.upload_identity_certificate, ctx, "tomcat", data)


def test_truncated_der_certificate(ready) -> None:  # type: ignore[no-untyped-def]
    ctx, root = ready[0], ready[1]
    der = root.public_bytes(Encoding.DER)
    refused(ctx, InvalidCertificateFile, "truncated", store.upload_trust_certificates, ctx,
            "tomcat-trust", der[: len(der) // 2])


def test_pkcs7_without_certificates(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready[0]
    empty_p7 = openssl("crl2pkcs7", "-nocrl", "-outform", "DER")
    refused(ctx, InvalidCertificateFile, "no certificates", store.upload_trust_certificates,
            ctx, "tomcat-trust", empty_p7)


def test_certificate_not_matching_csr_key(ready) -> None:  # type: ignore[no-untyped-def]
    ctx, root, root_key, _ = ready
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = sign_leaf(other, root, root_key)
    refused(ctx, KeyMismatch, "matches the private key", store.upload_identity_certificate,
            ctx, "tomcat", pem(cert))


@pytest.mark.parametrize("start,days,match", [
    (NOW - dt.timedelta(days=400), 30, "expired on"),
    (NOW + dt.timedelta(days=10), 30, "not valid before"),
])
def test_expired_or_not_yet_valid(ready, start, days, match) -> None:  # type: ignore[no-untyped-def]
    ctx, root, root_key, csr = ready
    cert = sign_leaf(csr, root, root_key, start=start, days=days)
    refused(ctx, CertificateNotValidNow, match, store.upload_identity_certificate, ctx,
            "tomcat", pem(cert))


def test_chain_not_trusted(ready) -> None:  # type: ignore[no-untyped-def]
    ctx, _, _, csr = ready
    other_root, other_key = make_ca("Unknown Root")
    cert = sign_leaf(csr, other_root, other_key)
    e = refused(ctx, UntrustedChain, "upload the CA root certificate",
                store.upload_identity_certificate, ctx, "tomcat", pem(cert, other_root))
    assert e.reason == "issuer_not_found"


def test_wrong_signature_with_same_issuer_name(ready) -> None:  # type: ignore[no-untyped-def]
    ctx, _, _, csr = ready
    impostor, impostor_key = make_ca("Bad Input Root")  # same name, other key
    cert = sign_leaf(csr, impostor, impostor_key)
    refused(ctx, UntrustedChain, "not signed by", store.upload_identity_certificate, ctx,
            "tomcat", pem(cert))


@pytest.mark.parametrize("kwargs,match", [
    ({"key_length": 256}, "key length 256 is not allowed for tomcat"),
    ({"hash_name": "SHA384"}, "hash SHA384 is not allowed for tomcat"),
    ({"hash_name": "MD5"}, "not allowed"),
    ({"distribution": "multi-server", "purpose": "ipsec"}, "not available for ipsec"),
    ({"sans": ["not a name!"]}, "not a valid DNS name"),
    ({"sans": ["IP:999.1.1.1"]}, "not an IP address"),
    ({"sans": ["bad\u202ename.example.com"]}, "invisible character U\\+202E"),
    ({"common_name": "evil\x00.example.com"}, "control or invisible character U\\+0000"),
    ({"common_name": "p\u0430ypal.com"}, "non-ASCII character"),  # Cyrillic a
    ({"common_name": "x" * 65}, "longer than 64"),
    ({"distribution": "everywhere"}, "distribution must be"),
])
def test_csr_choices_refused(ready, kwargs, match) -> None:  # type: ignore[no-untyped-def]
    ctx = ready[0]
    kwargs = dict(kwargs)
    purpose = kwargs.pop("purpose", "tomcat")
    err = refused(ctx, InvalidInput, match, store.generate_csr, ctx, purpose, **kwargs)
    assert err.field is not None


def test_weak_choices_are_warned_not_refused(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready[0]
    result = store.generate_csr(ctx, "ipsec", key_length=1024)
    assert any("RSA-1024 is weak" in w for w in result.warnings)
    # SHA1 is listed for the purpose (seed) but the library refuses to sign with it.
    refused(ctx, WeakAlgorithm, "SHA1 is not offered", store.generate_csr,
            ctx, "ipsec", hash_name="SHA1")


def test_unknown_purpose_and_trust_store(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready[0]
    refused(ctx, InvalidInput, "unknown purpose 'nope'", store.generate_csr, ctx, "nope")
    refused(ctx, InvalidInput, "not a trust store name", store.upload_trust_certificates, ctx,
            "tomcat", b"x")


def test_hostile_chain_is_bounded(ready) -> None:  # type: ignore[no-untyped-def]
    """Many intermediates sharing one subject and key (each a valid-looking CA): path
    building gives up quickly with a clear error instead of exploring every combination."""
    ctx, _root, _root_key, csr = ready
    from cryptography.hazmat.primitives.asymmetric import ec

    shared_key = ec.generate_private_key(ec.SECP256R1())
    # Intermediates named like each other, signed by a key that is not the root's: none
    # chains, and each is a candidate issuer for every other.
    decoy_parent, decoy_parent_key = make_ca("Decoy", key=shared_key)
    inters = [make_ca("Decoy", key=shared_key, issuer=decoy_parent,
                      issuer_key=decoy_parent_key)[0] for _ in range(60)]
    leaf = sign_leaf(csr, inters[0], shared_key)
    # Bounded by the chain builder's work limit (the error says which); no clock here.
    refused(ctx, CertyardError, "too many certificates|signature checks|not trusted",
            store.upload_identity_certificate, ctx, "tomcat", pem(leaf, *inters))


def test_fifty_megabyte_file_refused(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--fqdn", "pub.example.com").code == 0
    big = tmp_path / "big.pem"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    before = cli("cert", "list", "--json").stdout
    r = cli("cert", "upload-trust", "tomcat-trust", str(big))
    assert r.code == 3
    assert r.stderr.strip() == (f"error: file {big} is 52,428,800 bytes; "
                                "the limit is 1,048,576 bytes")
    assert cli("cert", "list", "--json").stdout == before


def test_missing_file_and_unknown_ids(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--fqdn", "pub.example.com").code == 0
    r = cli("cert", "upload-trust", "tomcat-trust", str(tmp_path / "nope.pem"))
    assert r.code == 3 and "not found" in r.stderr  # README: an unusable file is 3
    r = cli("cert", "show", "99999")
    assert r.code == 4 and r.stderr.strip() == "error: certificate 99999 not found"
    r = cli("node", "remove", "pub.example.com", "--yes")
    assert r.code == 5 and "publisher" in r.stderr
    r = cli("node", "add", "bad name", "--fqdn", "x.example.com")
    assert r.code == 2


def test_invalid_name_is_typed(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready[0]
    refused(ctx, InvalidName, "DNS name", cluster.add_node, ctx, "n2", fqdn="bad_host!")
