"""Hypothesis: the file parsers never fail with anything but a one-line InvalidFile."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certyard.errors import InvalidFile
from certyard.x509 import load_certificates, load_csr
from tests.support.budget import examples
from tests.support.pki import make_ca

pytestmark = pytest.mark.slow  # quick lane: pytest -m "not slow"

ROOT, _ = make_ca("Fuzz Root")
DER = ROOT.public_bytes(Encoding.DER)
PEM = ROOT.public_bytes(Encoding.PEM)


def _accepts_or_refuses(data: bytes) -> None:
    for fn in (load_certificates, load_csr):
        try:
            fn(data)
        except InvalidFile as exc:
            assert "\n" not in exc.message and exc.message
        except Exception as exc:  # pragma: no cover - the property under test
            raise AssertionError(f"{fn.__name__} raised {type(exc).__name__}: {exc}") from exc


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes(data: bytes) -> None:
    _accepts_or_refuses(data)


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, len(DER) - 1), st.integers(0, 255), st.integers(1, len(DER)))
def test_mutated_der(pos: int, byte: int, cut: int) -> None:
    mutated = bytearray(DER)
    mutated[pos] = byte
    _accepts_or_refuses(bytes(mutated))
    _accepts_or_refuses(DER[:cut])


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=40), st.binary(max_size=600))
def test_pem_wrappers(label: str, body: bytes) -> None:
    b64 = base64.encodebytes(body).decode()
    data = f"-----BEGIN {label}-----\n{b64}-----END {label}-----\n".encode(errors="replace")
    _accepts_or_refuses(data)
    _accepts_or_refuses(PEM.replace(b"CERTIFICATE", label.upper().encode(errors="replace")[:30]))


def test_valid_inputs_still_parse() -> None:
    assert load_certificates(DER)[0] == ROOT
    assert load_certificates(PEM + PEM)[1] == ROOT
