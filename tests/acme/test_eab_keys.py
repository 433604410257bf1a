"""EAB HMAC keys work on any ACME client's command line: the key shown to the
administrator never starts with '-', which ``certbot --eab-hmac-key KEY`` (and every
argparse-style client) would read as an option."""

from __future__ import annotations

from typing import Any

import pytest

from certyard.acme import eab


def test_a_key_that_would_start_with_a_dash_is_drawn_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([bytes([0xF8]) + b"\x01" * 31, bytes([0xFB]) + b"\x02" * 31,
                  bytes([0x10]) + b"\x03" * 31])
    monkeypatch.setattr(eab.secrets, "token_bytes", lambda n: next(draws))
    key = eab._hmac_key()
    assert key[0] == 0x10
    assert eab._b64(bytes([0xF8]) + b"\x01" * 31).startswith("-")  # the one refused


def test_created_keys_never_start_with_a_dash(ctx: Any) -> None:
    from certyard import acme, ca, cluster

    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    ca.init_ca(ctx)
    acme.add_profile(ctx, "web", allowed_suffixes=["example.com"], days=30)
    keys = [acme.create_eab_key(ctx, "web").hmac_key for _ in range(64)]
    assert not any(k.startswith("-") for k in keys)
