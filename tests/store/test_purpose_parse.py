"""PurposeSpec.parse: one set of defaults for a purpose added from the CLI or the API."""

from __future__ import annotations

from typing import Any

import pytest

from certyard import store
from certyard.errors import InvalidInput
from certyard.store.purposes import DEFAULT_HASHES, DEFAULT_KEY_LENGTHS, PurposeSpec
from tests.api.helpers import make_harness


def test_parse_defaults_and_lists_from_text_or_lists() -> None:
    spec = PurposeSpec.parse({"name": "CallManager"})
    assert (spec.key_type, spec.key_lengths, spec.default_key_length) == ("RSA", (2048, 3072,
                                                                              4096), 2048)
    assert (spec.hashes, spec.default_hash) == (DEFAULT_HASHES, "SHA256")
    assert spec.key_lengths == DEFAULT_KEY_LENGTHS
    typed = PurposeSpec.parse({"name": "ec1", "key_type": "ec", "key_lengths": "384, 256",
                               "hashes": "sha384", "services": "a, b"})
    assert (typed.key_type, typed.key_lengths, typed.default_key_length) == ("EC", (384, 256),
                                                                            384)
    assert (typed.hashes, typed.default_hash, typed.services) == (("SHA384",), "SHA384",
                                                                  ("a", "b"))
    with pytest.raises(InvalidInput, match="whole numbers") as info:
        PurposeSpec.parse({"name": "x", "key_lengths": "2048,big"})
    assert info.value.field == "key_lengths"


def test_cli_and_api_add_the_same_purpose_by_default(ctx: Any, cli: Any) -> None:
    h = make_harness(ctx)
    r = cli("purpose", "add", "FromCli")
    assert r.code == 0, r.stderr
    api = h.client.post("/api/v1/purposes", json={"name": "FromApi"},
                        headers=h.as_role("System Administrator"))
    assert api.status_code == 201, api.text
    with ctx.read() as s:
        a, b = store.get_purpose(s, "FromCli"), store.get_purpose(s, "FromApi")
    assert (a.key_type, a.key_lengths, a.default_key_length, a.hashes, a.default_hash) == \
        (b.key_type, b.key_lengths, b.default_key_length, b.hashes, b.default_hash)
