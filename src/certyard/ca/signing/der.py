"""The little DER that ``cryptography`` has no API for: splitting a signed structure into
its parts and putting it back together with another signature.

A certificate, a CRL and a BasicOCSPResponse all share one shape (RFC 5280 4.1, 5.1;
RFC 6960 4.2.1)::

    SEQUENCE { tbs, signatureAlgorithm AlgorithmIdentifier, signature BIT STRING, ... }

so re-signing is: keep the first two elements byte for byte, replace the BIT STRING, keep
whatever follows (the OCSP ``[0] certs``), and re-encode the outer length.
"""

from __future__ import annotations

__all__ = ["DerError", "bit_string", "digest_info", "elements", "encode", "octet_string",
           "replace_signature", "sequence", "tbs_of", "tlv"]

SEQUENCE = 0x30
BIT_STRING = 0x03
OCTET_STRING = 0x04

# DigestInfo AlgorithmIdentifiers (RFC 8017 9.2 note 1), DER: SEQUENCE { OID, NULL }.
_DIGEST_ALGORITHMS = {
    "sha256": bytes.fromhex("300d060960864801650304020105 00".replace(" ", "")),
    "sha384": bytes.fromhex("300d060960864801650304020205 00".replace(" ", "")),
    "sha512": bytes.fromhex("300d060960864801650304020305 00".replace(" ", "")),
}


class DerError(ValueError):
    """Bytes that are not the DER this module expects."""


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def sequence(*parts: bytes) -> bytes:
    return encode(SEQUENCE, b"".join(parts))


def bit_string(data: bytes) -> bytes:
    """A BIT STRING with no unused bits (every signature value is whole bytes)."""
    return encode(BIT_STRING, b"\x00" + data)


def octet_string(data: bytes) -> bytes:
    return encode(OCTET_STRING, data)


def tlv(data: bytes, pos: int = 0) -> tuple[int, int, int]:
    """(tag, start of the value, end of the element) of the element at ``pos``."""
    if pos + 2 > len(data):
        raise DerError("truncated DER element")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used here")
    start = pos + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise DerError("bad DER length")
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        raise DerError("DER element runs past the end of the data")
    return tag, start, end


def elements(data: bytes, expect: int = SEQUENCE) -> list[bytes]:
    """The encoded elements (whole TLVs) inside the one constructed element ``data``."""
    tag, start, end = tlv(data)
    if tag != expect or end != len(data):
        raise DerError(f"expected one element with tag {expect:#x}")
    out, pos = [], start
    while pos < end:
        _, _, nxt = tlv(data, pos)
        out.append(data[pos:nxt])
        pos = nxt
    return out


def replace_signature(signed: bytes, signature: bytes) -> bytes:
    """``signed`` (certificate, CRL or BasicOCSPResponse) with its signature replaced."""
    parts = elements(signed)
    if len(parts) < 3 or parts[2][0] != BIT_STRING:
        raise DerError("not a signed structure (tbs, algorithm, signature)")
    return sequence(parts[0], parts[1], bit_string(signature), *parts[3:])


def tbs_of(signed: bytes) -> bytes:
    """The to-be-signed element (whole TLV) of a signed structure."""
    return elements(signed)[0]


def digest_info(hash_name: str, digest: bytes) -> bytes:
    """PKCS#1 v1.5 DigestInfo for a token that signs with plain CKM_RSA_PKCS."""
    try:
        algorithm = _DIGEST_ALGORITHMS[hash_name]
    except KeyError:
        raise DerError(f"no DigestInfo for {hash_name}") from None
    return sequence(algorithm, octet_string(digest))
