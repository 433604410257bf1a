"""certyard's own path checks (x509/strict.py) and their use by `cert verify`: each rule the
library leaves out is refused with its reason code, and a well-formed chain passes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certyard.probe.verify import verify_chain
from certyard.x509.strict import path_findings
from tests.probe.tlspki import NOW, Issued, ec_key, issue

HOST = "www.example.com"


def _codes(path: list[x509.Certificate]) -> set[str]:
    return {f.code for f in path_findings(path)}


def _builder(subject: str, issuer: Issued | None, key: Any, *, ca: bool,
             serial: int | None = None, end: dt.datetime | None = None,
             ) -> x509.CertificateBuilder:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    return (x509.CertificateBuilder().subject_name(name)
            .issuer_name(issuer.cert.subject if issuer else name)
            .public_key(key.public_key())
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(end or NOW + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))


def _leaf(issuer: Issued, *, cn: str = HOST, sans: list[x509.GeneralName] | None = None,
          eku: list[x509.ObjectIdentifier] | None = None, key: Any = None,
          aki: bool = True, ca: bool = False) -> Issued:
    key = key or ec_key()
    b = _builder(cn, issuer, key, ca=ca)
    b = b.add_extension(x509.SubjectAlternativeName(sans or [x509.DNSName(HOST)]),
                        critical=False)
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if aki:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer.key.public_key()), critical=False)
    return Issued(b.sign(issuer.key, hashes.SHA256()), key)


SERVER = [ExtendedKeyUsageOID.SERVER_AUTH]


@pytest.fixture(scope="module")
def root() -> Issued:
    return issue("Strict Root", ca=True)


def test_a_well_formed_chain_has_no_finding(root: Issued) -> None:
    inter = issue("Strict Issuing", issuer=root, ca=True)
    leaf = _leaf(inter, eku=SERVER)
    assert _codes([leaf.cert, inter.cert, root.cert]) == set()
    result = verify_chain(leaf.cert, intermediates=[inter.cert], anchors=[root.cert], at=NOW,
                          hostname=HOST, strict=True)
    assert result.valid, result.reason


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"eku": SERVER, "ca": True}, "ca_as_leaf"),
    ({"eku": None}, "leaf_without_eku"),
    ({"eku": [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]}, "leaf_any_eku"),
    ({"eku": SERVER, "aki": False}, "missing_aki"),
    ({"eku": SERVER, "cn": "other.example.com"}, "cn_not_in_san"),
    ({"eku": SERVER, "cn": "WWW.example.com"}, "cn_not_in_san"),
    ({"eku": SERVER, "cn": "192.000.002.001",
      "sans": [x509.IPAddress(__import__("ipaddress").ip_address("192.0.2.1"))]},
     "cn_not_in_san"),
    ({"eku": SERVER, "sans": [x509.DNSName("*.com"), x509.DNSName(HOST)]},
     "wildcard_too_broad"),
    ({"eku": SERVER, "key": rsa.generate_private_key(public_exponent=65537, key_size=2052)},
     "rsa_modulus_not_byte_aligned"),
    ({"eku": SERVER, "key": dsa.generate_private_key(key_size=2048)}, "forbidden_key_type"),
])
def test_leaf_rules(root: Issued, kwargs: dict[str, Any], code: str) -> None:
    leaf = _leaf(root, **kwargs)
    assert code in _codes([leaf.cert, root.cert])


def test_an_ip_common_name_in_canonical_form_passes(root: Issued) -> None:
    import ipaddress

    leaf = _leaf(root, eku=SERVER, cn="2001:db8::1",
                 sans=[x509.IPAddress(ipaddress.ip_address("2001:db8::1"))])
    assert _codes([leaf.cert, root.cert]) == set()


def test_ca_rules(root: Issued) -> None:
    key = ec_key()
    no_ski = Issued(_builder("No SKI", root, key, ca=True).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()),
        critical=False).sign(root.key, hashes.SHA256()), key)
    leaf = _leaf(no_ski, eku=SERVER)
    assert "missing_ski" in _codes([leaf.cert, no_ski.cert, root.cert])

    rkey = ec_key()
    bad_root_cert = _builder("AKI Root", None, rkey, ca=True).add_extension(
        x509.SubjectKeyIdentifier.from_public_key(rkey.public_key()), critical=False
    ).add_extension(x509.AuthorityKeyIdentifier(
        key_identifier=b"\x01" * 20, authority_cert_issuer=None,
        authority_cert_serial_number=None), critical=False).sign(rkey, hashes.SHA256())
    bad_root = Issued(bad_root_cert, rkey)
    assert "root_aki_malformed" in _codes([_leaf(bad_root, eku=SERVER).cert, bad_root_cert])

    nkey = ec_key()
    nc_root_cert = _builder("NC Root", None, nkey, ca=True).add_extension(
        x509.SubjectKeyIdentifier.from_public_key(nkey.public_key()), critical=False
    ).add_extension(x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")],
                                         excluded_subtrees=None), critical=False
                    ).sign(nkey, hashes.SHA256())
    nc_root = Issued(nc_root_cert, nkey)
    assert "noncritical_name_constraints" in _codes([_leaf(nc_root, eku=SERVER).cert,
                                                    nc_root_cert])
    eku_root_cert = _builder("EKU Root", None, nkey, ca=True).add_extension(
        x509.SubjectKeyIdentifier.from_public_key(nkey.public_key()), critical=False
    ).add_extension(x509.ExtendedKeyUsage(SERVER), critical=False).sign(nkey, hashes.SHA256())
    eku_root = Issued(eku_root_cert, nkey)
    assert "root_with_eku" in _codes([_leaf(eku_root, eku=SERVER).cert, eku_root_cert])


def test_strict_verify_names_the_reason_and_lenient_does_not(root: Issued) -> None:
    leaf = _leaf(root, eku=SERVER, cn="impostor.example.com")
    strict = verify_chain(leaf.cert, intermediates=[], anchors=[root.cert], at=NOW,
                          hostname=HOST, strict=True)
    assert not strict.valid and strict.code == "cn_not_in_san"
    assert "impostor.example.com" in (strict.reason or "")
    assert verify_chain(leaf.cert, intermediates=[], anchors=[root.cert], at=NOW,
                        hostname=HOST).valid


def test_max_depth(root: Issued) -> None:
    a = issue("Depth A", issuer=root, ca=True)
    b = issue("Depth B", issuer=a, ca=True)
    leaf = _leaf(b, eku=SERVER)

    def run(depth: int | None) -> bool:
        return verify_chain(leaf.cert, intermediates=[a.cert, b.cert], anchors=[root.cert],
                            at=NOW, hostname=HOST, strict=True, max_depth=depth).valid

    assert run(None) and run(2)
    assert not run(1) and not run(0)


def test_max_depth_out_of_range_is_an_input_error(root: Issued) -> None:
    from certyard.errors import InvalidInput

    leaf = _leaf(root, eku=SERVER)
    with pytest.raises(InvalidInput, match="--max-depth"):
        verify_chain(leaf.cert, intermediates=[], anchors=[root.cert], at=NOW,
                     hostname=HOST, max_depth=99)


def test_validity_is_compared_to_the_second(root: Issued) -> None:
    key = ec_key()
    end = NOW + dt.timedelta(days=1)
    cert = (_builder(HOST, root, key, ca=False, end=end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage(SERVER), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                root.key.public_key()), critical=False)
            .sign(root.key, hashes.SHA256()))
    at = end + dt.timedelta(milliseconds=5)
    assert verify_chain(cert, intermediates=[], anchors=[root.cert], at=at, hostname=HOST,
                        strict=True).valid


def _crl(issuer: Issued, serials: list[int], *, number: bool = True,
         critical_number: bool = False) -> x509.CertificateRevocationList:
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject)
         .last_update(NOW - dt.timedelta(hours=1)).next_update(NOW + dt.timedelta(days=1)))
    for s in serials:
        b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(s)
                                      .revocation_date(NOW - dt.timedelta(minutes=5)).build())
    if number:
        b = b.add_extension(x509.CRLNumber(7), critical=critical_number)
    return b.sign(issuer.key, hashes.SHA256())


def test_crls(root: Issued) -> None:
    leaf = _leaf(root, eku=SERVER)

    def run(crl: x509.CertificateRevocationList) -> str | None:
        r = verify_chain(leaf.cert, intermediates=[], anchors=[root.cert], at=NOW,
                         hostname=HOST, strict=True, crls=[crl])
        return None if r.valid else r.code

    assert run(_crl(root, [leaf.cert.serial_number + 1])) is None
    assert run(_crl(root, [leaf.cert.serial_number])) == "revoked"
    assert run(_crl(root, [], number=False)) == "crl_malformed"
    assert run(_crl(root, [], critical_number=True)) == "crl_malformed"
    other = issue("Other CA", ca=True)
    assert run(_crl(other, [leaf.cert.serial_number])) is None  # another issuer's CRL


def test_name_constraint_work_is_bounded(root: Issued) -> None:
    """200 constraints on the anchor x 400 names in the leaf: refused before the library's
    quadratic check (x509-limbo's nc-dos cases took the library over 2 s)."""
    key = ec_key()
    subtrees: list[x509.GeneralName] = [x509.DNSName(f"n{i}.example") for i in range(200)]
    anchor_cert = _builder("NC Anchor", None, key, ca=True).add_extension(
        x509.NameConstraints(permitted_subtrees=subtrees, excluded_subtrees=None),
        critical=True).sign(key, hashes.SHA256())
    anchor = Issued(anchor_cert, key)
    names: list[x509.GeneralName] = [x509.DNSName(f"h{i}.n1.example") for i in range(400)]
    leaf = _leaf(anchor, eku=SERVER, cn="h0.n1.example", sans=names)
    result = verify_chain(leaf.cert, intermediates=[], anchors=[anchor_cert], at=NOW,
                          hostname="h0.n1.example", strict=True)
    assert not result.valid and result.code == "work_limit"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_cli_max_depth_and_crl(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.serialization import Encoding

    root = issue("CLI Root", ca=True)
    inter = issue("CLI Issuing", issuer=root, ca=True)
    leaf = _leaf(inter, eku=SERVER)
    (tmp_path / "leaf.pem").write_bytes(leaf.pem + inter.pem)
    (tmp_path / "root.pem").write_bytes(root.pem)
    (tmp_path / "crl.pem").write_bytes(
        _crl(inter, [leaf.cert.serial_number]).public_bytes(Encoding.PEM))
    base = ["cert", "verify", str(tmp_path / "leaf.pem"), "--trusted",
            str(tmp_path / "root.pem"), "--hostname", HOST]
    assert cli(*base).code == 0
    r = cli(*base, "--max-depth", "0")
    assert r.code == 3
    r = cli(*base, "--crl", str(tmp_path / "crl.pem"))
    assert r.code == 3 and "revoked" in r.stdout + r.stderr
    (tmp_path / "bad.crl").write_bytes(b"not a crl")
    r = cli(*base, "--crl", str(tmp_path / "bad.crl"))
    assert r.code == 3 and "Traceback" not in r.stdout + r.stderr


def test_ca_as_leaf_has_its_reason_code(root: Issued) -> None:
    inter = issue("Leaf-Posing CA", issuer=root, ca=True)
    r = verify_chain(inter.cert, intermediates=[], anchors=[root.cert], at=NOW,
                     hostname=HOST, purpose="client", strict=True)
    assert not r.valid and r.code == "ca_as_leaf"
