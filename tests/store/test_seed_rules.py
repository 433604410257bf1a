"""The seeds' certificate and CSR rules with their exact values, on SQLite and PostgreSQL:
subject fields (seed 000 step 12, seed 003), wildcards refused and the "-ms" CN of a
multi-server CSR (seed 003), KU/EKU of an uploaded certificate matching the CSR (seed 003),
SHA1 not offered, stale multi-server CSRs replaced, and the backup reminder (seed 001)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from certyard import cluster, store
from certyard.errors import InvalidInput, InvalidName, PolicyViolation, WeakAlgorithm
from certyard.store.subject import get_subject_defaults, set_subject_defaults
from certyard.x509 import SubjectFields
from tests.support.openssl_ca import OpenSSLCA, openssl
from tests.support.snapshot import store_snapshot


@pytest.fixture
def ready(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="cucm1", fqdn="cucm1.example.com")
    cluster.add_node(ctx, "cucm2", fqdn="cucm2.example.com")
    return ctx


def _csr(ctx, purpose: str = "tomcat", node: str | None = None):  # type: ignore[no-untyped-def]
    return x509.load_pem_x509_csr(store.download_csr(ctx, purpose, node=node)[1])


def _attr(csr: x509.CertificateSigningRequest, oid: x509.ObjectIdentifier) -> str | None:
    values = csr.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def test_subject_fields_and_cluster_defaults(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready
    set_subject_defaults(ctx, {"organization": "Example Inc", "country": "US",
                               "state": "California"})
    store.generate_csr(ctx, "tomcat", subject=SubjectFields(locality="San Jose",
                                                            organizational_unit="Voice"))
    csr = _csr(ctx)
    assert _attr(csr, NameOID.ORGANIZATION_NAME) == "Example Inc"
    assert _attr(csr, NameOID.ORGANIZATIONAL_UNIT_NAME) == "Voice"
    assert _attr(csr, NameOID.LOCALITY_NAME) == "San Jose"
    assert _attr(csr, NameOID.STATE_OR_PROVINCE_NAME) == "California"
    assert _attr(csr, NameOID.COUNTRY_NAME) == "US"
    # A field the request names wins over the default.
    store.generate_csr(ctx, "tomcat", subject=SubjectFields(organization="Other Org"))
    assert _attr(_csr(ctx), NameOID.ORGANIZATION_NAME) == "Other Org"
    # '' clears a default.
    set_subject_defaults(ctx, {"state": ""})
    assert get_subject_defaults(ctx).state == ""


@pytest.mark.parametrize(("changes", "match"), [
    ({"country": "USA"}, "two-letter"),
    ({"country": "us"}, "two-letter"),
    ({"organization": "x" * 65}, "longer than 64"),
    ({"locality": "Berlin\u200b"}, "invisible"),
    ({"state": " Bavaria"}, "leading or trailing"),
])
def test_bad_subject_defaults_change_nothing(ready, changes, match) -> None:  # type: ignore[no-untyped-def]
    ctx = ready
    set_subject_defaults(ctx, {"organization": "Kept"})
    before = store_snapshot(ctx)
    with pytest.raises(InvalidName, match=match):
        set_subject_defaults(ctx, changes)
    assert store_snapshot(ctx) == before


def test_wildcards_are_refused(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready
    before = store_snapshot(ctx)
    with pytest.raises(InvalidName, match="wildcard certificates are not supported"):
        store.generate_csr(ctx, "tomcat", common_name="*.example.com")
    with pytest.raises(InvalidName, match="wildcard certificates are not supported"):
        store.generate_csr(ctx, "tomcat", distribution="multi-server",
                           sans=["*.example.com"])
    assert store_snapshot(ctx) == before


def test_multi_server_cn_has_the_ms_suffix(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready
    result = store.generate_csr(ctx, "tomcat", distribution="multi-server")
    assert {e.common_name for e in result.entries} == {"cucm1-ms.example.com"}
    csr = _csr(ctx, node="cucm2")
    assert _attr(csr, NameOID.COMMON_NAME) == "cucm1-ms.example.com"
    sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {"cucm1.example.com",
                                                          "cucm2.example.com"}


def test_single_server_csr_replaces_the_multi_server_csr_everywhere(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready
    store.generate_csr(ctx, "tomcat", distribution="multi-server")
    store.generate_csr(ctx, "tomcat", node="cucm1")
    rows = store.find_entries(ctx, type="csr", purpose="tomcat").items
    assert [(r.node, r.distribution) for r in rows] == [("cucm1", "single")]


def test_sha1_is_not_offered(ready) -> None:  # type: ignore[no-untyped-def]
    ctx = ready
    specs = {p.name: p for p in store.list_purposes(ctx)}
    assert "SHA1" not in specs["tomcat"].hashes and "SHA1" not in specs["ipsec"].hashes
    with pytest.raises(WeakAlgorithm, match="SHA1 is not offered"):
        store.generate_csr(ctx, "tomcat", hash_name="SHA1")
    with pytest.raises(InvalidInput, match="SHA1 is not offered"):
        store.PurposeSpec(name="legacy", key_type="RSA", key_lengths=(2048,),
                          default_key_length=2048, hashes=("SHA1", "SHA256"),
                          default_hash="SHA256")


def test_regenerating_reminds_to_back_up(ready) -> None:  # type: ignore[no-untyped-def]
    result = store.generate_self_signed(ready, "tomcat")
    assert any("certyard backup" in w for w in result.warnings)


def test_upload_refuses_a_certificate_without_the_requested_client_auth(  # type: ignore[no-untyped-def]
        ready, tmp_path: Path) -> None:
    """Seed 003: a tomcat certificate from a CA template with TLS Web Server Authentication
    only breaks server-to-server TLS; the CSR asked for both."""
    ctx = ready
    ca = OpenSSLCA(tmp_path / "ca")
    ctx.clock.advance(dt.timedelta(minutes=2))  # the CA was made after the fixed clock
    store.upload_trust_certificates(ctx, "tomcat-trust", ca.root.read_bytes())
    store.generate_csr(ctx, "tomcat")
    csr_pem = store.download_csr(ctx, "tomcat")[1]
    (tmp_path / "server-only.ext").write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,"
        "keyEncipherment\nextendedKeyUsage=serverAuth\n")
    (tmp_path / "req.csr").write_bytes(csr_pem)
    leaf = tmp_path / "server-only.pem"
    openssl("x509", "-req", "-in", str(tmp_path / "req.csr"), "-CA", str(ca.root), "-CAkey",
            str(ca.root_key), "-CAcreateserial", "-out", str(leaf), "-days", "90",
            "-extfile", str(tmp_path / "server-only.ext"))
    before = store_snapshot(ctx)
    with pytest.raises(PolicyViolation, match="TLS Web Client Authentication"):
        store.upload_identity_certificate(ctx, "tomcat", leaf.read_bytes())
    assert store_snapshot(ctx) == before
    # The same CSR signed with the extensions it asked for goes in.
    good = ca.sign(csr_pem, out_name="good.pem")
    result = store.upload_identity_certificate(ctx, "tomcat", good.read_bytes())
    assert result.added
