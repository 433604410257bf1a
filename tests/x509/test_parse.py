"""x509/parse.py: what a malformed or unexpected file turns into (a typed one-line error)."""

from __future__ import annotations

import base64

import pytest

from certyard.errors import InvalidCertificateFile
from certyard.x509 import load_certificates
from tests.support.pki import make_ca


def _tlv(tag: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes([tag, len(body)]) + body


# ContentInfo { contentType, [0] EXPLICIT content } with a content type other than signedData
DATA = bytes.fromhex("06092a864886f70d010701")  # 1.2.840.113549.1.7.1 id-data
ENVELOPED = bytes.fromhex("06092a864886f70d010703")  # 1.2.840.113549.1.7.3 envelopedData


@pytest.mark.parametrize("oid", [DATA, ENVELOPED], ids=["data", "enveloped"])
def test_pkcs7_with_unexpected_content_type_is_a_typed_error(oid: bytes) -> None:
    der = _tlv(0x30, oid + _tlv(0xA0, _tlv(0x04, b"hello")))
    with pytest.raises(InvalidCertificateFile, match=r"PKCS#7|DER certificate") as info:
        load_certificates(der)
    assert "\n" not in info.value.message
    pem = (b"-----BEGIN PKCS7-----\n" + base64.encodebytes(der) + b"-----END PKCS7-----\n")
    with pytest.raises(InvalidCertificateFile, match="PKCS#7 cannot be parsed"):
        load_certificates(pem)


def test_certificate_round_trip() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    root, _ = make_ca("Parse Root")
    assert load_certificates(root.public_bytes(Encoding.PEM)) == [root]
    assert load_certificates(root.public_bytes(Encoding.DER)) == [root]
