"""The seed's TLS Ciphers and SRTP Ciphers presets (seed 003, seed 002 "Next Generation
Security"), validated by the real OpenSSL like any cipher string."""

from __future__ import annotations

import pytest

from certyard import policy
from certyard.errors import InvalidInput
from tests.support.snapshot import store_snapshot


def test_tls_presets_resolve_in_openssl(ctx) -> None:  # type: ignore[no-untyped-def]
    for name in policy.TLS_PRESETS:
        change = policy.apply_tls_preset(ctx, "sip", name)
        assert change.details["preset"] == name
        assert change.details["resolved"]["tls12"], name
    strongest = policy.apply_tls_preset(ctx, "https", "strongest-ecdsa-preferred")
    assert strongest.details["resolved"]["tls12"] == ["ECDHE-ECDSA-AES256-GCM-SHA384",
                                                      "ECDHE-RSA-AES256-GCM-SHA384"]
    assert policy.get_tls_policy(ctx)["https_ciphers"].startswith("ECDHE-ECDSA-AES256")


def test_srtp_presets(ctx, cli) -> None:  # type: ignore[no-untyped-def]
    assert policy.get_srtp_preset(ctx)["preset"] == "all"
    change = policy.set_srtp_preset(ctx, "strongest")
    assert change.details["suites"] == ["AEAD_AES_256_GCM"]
    assert policy.get_tls_policy(ctx)["srtp_ciphers"] == "strongest"
    r = cli("tls", "srtp-ciphers", "set", "medium", "--json")
    assert r.code == 0 and r.json()["details"]["suites"] == ["AEAD_AES_256_GCM",
                                                             "AEAD_AES_128_GCM"]
    assert "Medium" in cli("tls", "srtp-ciphers", "show").stdout


@pytest.mark.parametrize(("call", "args"), [
    (policy.set_srtp_preset, ("weakest",)),
    (policy.apply_tls_preset, ("sip", "fastest")),
    (policy.apply_tls_preset, ("ssh-ciphers", "strongest-rsa-preferred")),
])
def test_unknown_presets_change_nothing(ctx, call, args) -> None:  # type: ignore[no-untyped-def]
    before = store_snapshot(ctx)
    with pytest.raises(InvalidInput):
        call(ctx, *args)
    assert store_snapshot(ctx) == before
