"""build_path says why no path exists as a reason code (callers branch on the code, never
on the message text: probe/check.py reads ``issuer_not_valid_now``)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from certyard.errors import UntrustedChain
from certyard.x509.chain import build_path
from tests.support.pki import NOW, make_ca, sign_leaf


def _reason(**kw) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(UntrustedChain) as info:
        build_path(**kw)
    return info.value.reason


def test_reason_codes() -> None:
    root, root_key = make_ca("Root")
    leaf = sign_leaf(ec.generate_private_key(ec.SECP256R1()), root, root_key, cn="leaf")
    assert build_path(leaf, intermediates=[], anchors=[root], at=NOW)[-1] == root
    later = NOW + dt.timedelta(days=4000)
    assert _reason(leaf=leaf, intermediates=[], anchors=[root], at=later) == \
        "issuer_not_valid_now"
    other, _ = make_ca("Root", key=ec.generate_private_key(ec.SECP256R1()))
    assert _reason(leaf=leaf, intermediates=[], anchors=[other], at=NOW) == "bad_signature"
    stranger, _ = make_ca("Stranger")
    assert _reason(leaf=leaf, intermediates=[], anchors=[stranger], at=NOW) == \
        "issuer_not_found"
