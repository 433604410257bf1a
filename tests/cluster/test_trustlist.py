"""Signed trust list (seed 003 CTL/ITL): TOFU, tamper and rollback rejection, key rollover."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from certyard import cluster
from certyard.cluster.jws import TrustListRejected, accept_list, parse_list, sign_list
from certyard.cluster.trustlist import publish_trust_list, rollover_signer, trust_lists_after
from certyard.store import upload_trust_certificates
from certyard.x509 import build_self_signed
from tests.support.pki import NOW, make_ca, pem


@pytest.fixture
def pub(ctx):  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    return ctx


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def test_publish_versions_only_on_change(pub) -> None:  # type: ignore[no-untyped-def]
    v1 = publish_trust_list(pub)
    assert v1.published and v1.version == 1
    assert publish_trust_list(pub).published is False
    upload_trust_certificates(pub, "tomcat-trust", pem(make_ca("TL Root")[0]))
    v2 = publish_trust_list(pub)
    assert v2.version == 2
    vl = parse_list(trust_lists_after(pub, 1)[-1])
    roles = {r["role"] for r in vl.records}
    assert {"trust:tomcat-trust", "trustlist-signer", "identity:tomcat@pub"} <= roles
    rec = next(r for r in vl.records if "TL Root" in r["subject"])
    assert rec["issuer"] and rec["serial"] and len(rec["fingerprint"]) == 64
    signer = next(r for r in vl.records if r["role"] == "trustlist-signer")
    cert = x509.load_der_x509_certificate(base64.b64decode(signer["certificate"]))
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days >= 365 * 20


def test_tofu_tamper_older_and_rollover(pub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pin = tmp_path / "pin.json"
    first = trust_lists_after(pub)[-1]
    vl, how = accept_list(first, pin)
    assert how == "first-use" and vl.version == 1
    assert accept_list(first, pin)[1] == "unchanged"
    upload_trust_certificates(pub, "tomcat-trust", pem(make_ca("Second Root")[0]))
    second = trust_lists_after(pub, 1)[-1]
    # Tampered: one payload byte changed, signature kept.
    h, p, s = second.decode().split(".")
    payload = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    payload["records"] = payload["records"][:-1]
    forged = f"{h}.{_b64(json.dumps(payload).encode())}.{s}".encode()
    with pytest.raises(TrustListRejected, match="does not verify") as e:
        accept_list(forged, pin)
    assert e.value.reason == "signature"
    assert json.loads(pin.read_text())["version"] == 1
    assert accept_list(second, pin)[1] == "newer"
    # Older version after a newer one: refused.
    with pytest.raises(TrustListRejected, match="older") as e:
        accept_list(first, pin)
    assert e.value.reason == "older"
    # A list signed by a stranger naming itself: refused.
    key = ec.generate_private_key(ec.SECP384R1())
    cert = build_self_signed(key, common_name="evil", sans=[], hash_name="SHA384", now=NOW)
    from certyard.cluster.jws import cert_fingerprint
    evil = sign_list({**payload, "version": 99, "signers": [cert_fingerprint(cert)]},
                     key=key, cert=cert)
    with pytest.raises(TrustListRejected, match="pinned list does not name"):
        accept_list(evil, pin)
    # Rollover: following the versions one by one moves the pin to the new key.
    info = rollover_signer(pub)
    assert info.version == 4
    lists = trust_lists_after(pub, 2)
    assert [parse_list(x).version for x in lists] == [3, 4]
    # Skipping the transition list is refused; following it works.
    with pytest.raises(TrustListRejected):
        accept_list(lists[1], pin)
    for x in lists:
        accept_list(x, pin)
    assert json.loads(pin.read_text())["signers"] == [parse_list(lists[1]).signer]


@pytest.mark.parametrize("data", [b"", b"a.b", b"\xff\xfe", b"e30.e30.AAAA", b"x.y.z"])
def test_garbage_is_one_clear_error(data: bytes, tmp_path: Path) -> None:
    with pytest.raises(TrustListRejected):
        accept_list(data, tmp_path / "pin.json")
    assert not (tmp_path / "pin.json").exists()


def _hand_built_list(payload: dict, key: ec.EllipticCurvePrivateKey,  # type: ignore[type-arg]
                     cert: x509.Certificate) -> bytes:
    """A trust list as releases before joserfc wrote it (header keys in this order, compact
    JSON, r||s signature), built here with cryptography alone."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from cryptography.hazmat.primitives.serialization import Encoding

    from certyard.cluster.jws import cert_fingerprint

    header = {"alg": "ES384", "typ": "certyard-trust-list+jws", "kid": cert_fingerprint(cert),
              "x5c": [base64.b64encode(cert.public_bytes(Encoding.DER)).decode()]}
    signing_input = (_b64(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     _b64(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()))
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA384())))
    return (signing_input + "." + _b64(r.to_bytes(48, "big") + s.to_bytes(48, "big"))).encode()


def test_lists_written_before_joserfc_stay_readable(tmp_path: Path) -> None:
    from certyard.cluster.jws import cert_fingerprint

    key = ec.generate_private_key(ec.SECP384R1())
    cert = build_self_signed(key, common_name="old signer", sans=[], hash_name="SHA384", now=NOW)
    payload = {"type": "certyard-trust-list", "version": 7, "issued_at": NOW.isoformat(),
               "signers": [cert_fingerprint(cert)], "records": []}
    old = _hand_built_list(payload, key, cert)
    vl, how = accept_list(old, tmp_path / "pin.json")
    assert how == "first-use" and vl.version == 7 and vl.signer == cert_fingerprint(cert)
    # What sign_list writes now is the same container: the same key and payload verify,
    # and the old list's pin accepts the new list of the next version.
    new = sign_list({**payload, "version": 8}, key=key, cert=cert)
    assert accept_list(new, tmp_path / "pin.json")[1] == "newer"
    # A tampered old-format list is refused as before.
    h, _, s = old.decode().split(".")
    with pytest.raises(TrustListRejected, match="does not verify"):
        parse_list(f"{h}.{_b64(b'{}')}.{s}".encode())
