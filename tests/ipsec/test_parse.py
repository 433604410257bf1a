"""IpsecPolicySpec.parse: the one reading of typed policy fields, shared by CLI, API and
web, so the same input is accepted or refused the same way everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from certyard.errors import InvalidInput
from certyard.ipsec import IpsecPolicySpec
from tests.api.helpers import make_harness, sign_in

BASE = dict(group_name="grp-1", name="to-gw1", preshared_key="s3cret-Key-123",
            destination_address="192.0.2.10", source_address="192.0.2.1")


def test_parse_reads_choices_ports_and_numbers_in_any_case() -> None:
    got = IpsecPolicySpec.parse({"protocol": "tcp", "mode": "Tunnel", "auth_method":
                                 "PRE-SHARED-KEY", "hash_algorithm": "sha256",
                                 "destination_port": "any", "source_port": "5060",
                                 "phase1_lifetime": "28800", "enabled": "false",
                                 "peer_type": None, "esp_algorithm": ""})
    assert got == {"protocol": "TCP", "mode": "tunnel", "auth_method": "pre-shared-key",
                   "hash_algorithm": "SHA256", "destination_port": None, "source_port": 5060,
                   "phase1_lifetime": 28800, "enabled": False}
    assert IpsecPolicySpec.parse({"protocol": "any"}) == {"protocol": "Any"}


@pytest.mark.parametrize("raw", [{"phase1_lifetime": "ten"}, {"remote_port": "any"},
                                 {"source_port": "5O60"}, {"enabled": "maybe"}])
def test_parse_refuses_what_is_not_a_value(raw: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        IpsecPolicySpec.parse(raw)
    assert info.value.field == next(iter(raw))


def test_protocol_tcp_and_lifetime_bounds_agree_in_cli_api_and_web(ctx: Any, cli: Any) -> None:
    h = make_harness(ctx)
    admin = h.as_role("System Administrator")
    # --protocol tcp: accepted by all three (it was a 422 over API and web).
    r = cli("ipsec", "add", "grp-1", "cli-pol", "--destination", "192.0.2.10", "--source",
            "192.0.2.1", "--auth-method", "certificate", "--protocol", "tcp",
            "--destination-port", "5060")
    assert r.code == 0, r.stderr
    api = h.client.post("/api/v1/ipsec/policies", headers=admin, json={
        **BASE, "name": "api-pol", "protocol": "tcp", "destination_port": 5060})
    assert api.status_code == 201, api.text
    assert api.json()["protocol"] == "TCP"
    csrf = sign_in(h.client, "sysadm")
    web = h.client.post("/ipsec", data={**BASE, "name": "web-pol", "protocol": "tcp",
                                        "destination_port": "5060", "csrf_token": csrf},
                        follow_redirects=False)
    assert web.status_code == 303, web.text
    # Lifetimes: 300-86,400 seconds everywhere (the API allowed 1-10,000,000).
    for lifetime in (299, 86401):
        r = cli("ipsec", "add", "grp-1", "cli-bad", "--destination", "192.0.2.10",
                "--source", "192.0.2.1", "--auth-method", "certificate",
                "--phase1-lifetime", str(lifetime))
        assert r.code == 2, r.stderr
        api = h.client.post("/api/v1/ipsec/policies", headers=admin,
                            json={**BASE, "name": "api-bad", "phase1_lifetime": lifetime})
        assert api.status_code == 422, api.text
        web = h.client.post("/ipsec", data={**BASE, "name": "web-bad", "csrf_token": csrf,
                                            "phase1_lifetime": str(lifetime)})
        assert web.status_code == 422 and "300-86400" in web.text
    names = {p["name"] for p in h.client.get("/api/v1/ipsec/policies", headers=admin).json()}
    assert names == {"cli-pol", "api-pol", "web-pol"}
