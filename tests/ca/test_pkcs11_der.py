"""The DER re-assembly behind token signing, without a token: a signer that will not hand
``cryptography`` its key takes the TBS path, and openssl and cryptography accept the
certificates, CRLs and OCSP responses it produces."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from certyard.ca.signing import (
    SealedFileSigner,
    der,
    sign_certificate,
    sign_crl,
    sign_ocsp_response,
)


class ForeignSigner(SealedFileSigner):
    """A file key that pretends to be out of reach, as a token key is."""

    @property
    def private_key(self) -> None:
        return None


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _ca(signer: Any) -> x509.Certificate:
    pub = signer.public_key()
    b = (x509.CertificateBuilder().subject_name(_name("Test CA")).issuer_name(_name("Test CA"))
         .public_key(pub).serial_number(1).not_valid_before(NOW - dt.timedelta(hours=1))
         .not_valid_after(NOW + dt.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                      False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))
    return sign_certificate(b, signer)


def _leaf(signer: Any, issuer: x509.Certificate, serial: int) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder().subject_name(_name("leaf.example.com"))
         .issuer_name(issuer.subject).public_key(key.public_key()).serial_number(serial)
         .not_valid_before(NOW - dt.timedelta(hours=1))
         .not_valid_after(NOW + dt.timedelta(days=10))
         .add_extension(x509.SubjectAlternativeName([x509.DNSName("leaf.example.com")]),
                        critical=False))
    return sign_certificate(b, signer)


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True)


KEYS = {
    "EC-256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "EC-384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "RSA-3072": lambda: rsa.generate_private_key(public_exponent=65537, key_size=3072),
}


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_tbs_path_output_is_accepted_by_openssl(kind: str, tmp_path: Path) -> None:
    signer = ForeignSigner(KEYS[kind]())
    ca = _ca(signer)
    ca.verify_directly_issued_by(ca)  # cryptography checks the self-signature
    assert ca.signature_hash_algorithm is not None
    assert ca.signature_hash_algorithm.name == signer.hash_algorithm.name
    leaf = _leaf(signer, ca, 77)
    leaf.verify_directly_issued_by(ca)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(Encoding.PEM))
    out = _openssl("verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem"))
    assert out.returncode == 0 and "leaf.pem: OK" in out.stdout, out.stderr

    revoked = x509.RevokedCertificateBuilder(77, NOW).build()
    crl = sign_crl(x509.CertificateRevocationListBuilder(
        ca.subject, NOW, NOW + dt.timedelta(days=1), [], [revoked])
        .add_extension(x509.CRLNumber(5), critical=False), signer)
    assert crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
    (tmp_path / "crl.der").write_bytes(crl.public_bytes(Encoding.DER))
    out = _openssl("crl", "-inform", "DER", "-in", str(tmp_path / "crl.der"), "-CAfile",
                   str(tmp_path / "ca.pem"), "-noout", "-verify")
    assert out.returncode == 0 and "verify OK" in (out.stdout + out.stderr)

    req_path = tmp_path / "req.der"
    out = _openssl("ocsp", "-issuer", str(tmp_path / "ca.pem"), "-cert",
                   str(tmp_path / "leaf.pem"), "-reqout", str(req_path))
    assert out.returncode == 0, out.stderr
    req = ocsp.load_der_ocsp_request(req_path.read_bytes())
    nonce = next(e.value.nonce for e in req.extensions if isinstance(e.value, x509.OCSPNonce))
    b = (ocsp.OCSPResponseBuilder().add_response(
        cert=leaf, issuer=ca, algorithm=hashes.SHA1(),
        cert_status=ocsp.OCSPCertStatus.REVOKED, this_update=NOW,
        next_update=NOW + dt.timedelta(hours=1), revocation_time=NOW,
        revocation_reason=x509.ReasonFlags.key_compromise)
        .add_extension(x509.OCSPNonce(nonce), critical=False))
    resp = sign_ocsp_response(b, signer, responder=ca)
    assert resp.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        ca.public_key()).digest  # the real key's hash, not the stand-in's
    _verify_with(ca.public_key(), resp.signature, resp.tbs_response_bytes, signer)
    (tmp_path / "resp.der").write_bytes(resp.public_bytes(Encoding.DER))
    # (-cert makes openssl build a request of its own, with another nonce: skip that check)
    out = _openssl("ocsp", "-respin", str(tmp_path / "resp.der"), "-no_nonce",
                   "-issuer", str(tmp_path / "ca.pem"), "-CAfile", str(tmp_path / "ca.pem"),
                   "-cert", str(tmp_path / "leaf.pem"))
    text = out.stdout + out.stderr
    assert "Response verify OK" in text and "revoked" in text, text


def _verify_with(pub: Any, signature: bytes, data: bytes, signer: Any) -> None:
    if isinstance(pub, rsa.RSAPublicKey):
        pub.verify(signature, data, padding.PKCS1v15(), signer.hash_algorithm)
    else:
        pub.verify(signature, data, ec.ECDSA(signer.hash_algorithm))


def test_der_lengths_and_parts() -> None:
    for n in (0, 1, 127, 128, 255, 256, 65535, 65536):
        encoded = der.encode(0x04, b"x" * n)
        tag, start, end = der.tlv(encoded)
        assert (tag, end - start, end) == (0x04, n, len(encoded))
    inner = der.sequence(der.octet_string(b"a"), der.octet_string(b"b" * 300))
    assert der.elements(inner) == [der.octet_string(b"a"), der.octet_string(b"b" * 300)]
    with pytest.raises(der.DerError):
        der.elements(inner[:-1])
    with pytest.raises(der.DerError):
        der.replace_signature(inner, b"sig")


def test_digest_info_matches_pkcs1() -> None:
    """The DigestInfo a token signs with CKM_RSA_PKCS gives the same signature as
    cryptography's PKCS#1 v1.5 over the data (RSA v1.5 signatures are deterministic)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = b"to be signed"
    for algo in (hashes.SHA256(), hashes.SHA384()):
        h = hashes.Hash(algo)
        h.update(data)
        info = der.digest_info(algo.name, h.finalize())
        expected = key.sign(data, padding.PKCS1v15(), algo)
        # Raw RSA over the padded DigestInfo: what the token computes.
        n = key.private_numbers().public_numbers.n
        d = key.private_numbers().d
        k = (n.bit_length() + 7) // 8
        em = b"\x00\x01" + b"\xff" * (k - len(info) - 3) + b"\x00" + info
        raw = pow(int.from_bytes(em, "big"), d, n).to_bytes(k, "big")
        assert raw == expected
