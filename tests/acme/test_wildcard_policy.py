"""Wildcards need the CA's name policy as well as the profile: while the CA forbids them,
new-order refuses wildcard identifiers up front (``rejectedIdentifier``), nothing is
validated or queued, and the CLI/API say so when a profile turns wildcards on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from certyard import acme, ca
from certyard.db.models.acme import AcmeAuthz, AcmeOrder
from certyard.db.models.ca import CaRequest
from tests.acme.client import AcmeClient
from tests.ca.helpers import setup_ca

ERR = "urn:ietf:params:acme:error:"


def test_wildcard_order_refused_while_the_ca_forbids_wildcards(ctx: Any,
                                                              client: AcmeClient) -> None:
    view = acme.update_profile(ctx, "lab", allowed_suffixes=["example.org"],
                               allow_wildcards=True)
    assert any("ca config --allow-wildcards" in w for w in view.warnings)
    client.register()
    r = client.order([("dns", "*.example.org")])
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"] == ERR + "rejectedIdentifier" and body["status"] == 400
    assert body["subproblems"][0]["identifier"] == {"type": "dns", "value": "*.example.org"}
    assert "CA" in body["detail"] and r.headers["Replay-Nonce"]
    with ctx.read() as s:
        assert s.scalar(select(func.count(AcmeOrder.id))) == 0
        assert s.scalar(select(func.count(AcmeAuthz.id))) == 0
        assert s.scalar(select(func.count(CaRequest.id))) == 0
    # Plain names of the same order still go; once the CA allows wildcards, so do they.
    assert client.order([("dns", "www.example.org")]).status_code == 201
    ca.configure_ca(ctx, allow_wildcards=True)
    assert acme.show_profile(ctx, "lab").warnings == []
    r = client.order([("dns", "*.example.org")])
    assert r.status_code == 201, r.text
    assert r.json()["identifiers"] == [{"type": "dns", "value": "*.example.org"}]


def test_cli_warns_and_prints_the_directory_url(ctx: Any, cli: Any) -> None:
    setup_ca(ctx)
    r = cli("acme", "profile", "add", "wild", "--suffix", "example.com", "--wildcards")
    assert r.code == 0, r.stderr
    assert "/acme/wild/directory" in r.stdout and "https://" in r.stdout
    assert "warning" in r.stderr and "--allow-wildcards" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("acme", "profile", "add", "tld", "--suffix", "com", "--json")
    assert r.code == 0, r.stderr
    out = r.json()
    assert out["directory_url"].endswith("/acme/tld/directory")
    assert any("single label" in w for w in out["warnings"])
    assert "single label" in r.stderr
    # With EAB required the single label is not warned about; a plain profile is quiet.
    r = cli("acme", "profile", "update", "tld", "--eab-required", "on", "--json")
    assert r.json()["warnings"] == [] and "warning" not in r.stderr
    r = cli("acme", "profile", "add", "plain", "--suffix", "example.net")
    assert r.code == 0 and "warning" not in r.stderr
    ca.configure_ca(ctx, allow_wildcards=True)
    r = cli("acme", "profile", "update", "wild", "--wildcards", "on")
    assert r.code == 0 and "warning" not in r.stderr


def test_api_profile_carries_the_warning(ctx: Any) -> None:
    from tests.api.helpers import make_harness

    h = make_harness(ctx)
    admin = h.as_role("System Administrator")
    r = h.client.post("/api/v1/acme/profiles", json={"name": "wild", "allow_wildcards": True,
                                                     "allowed_suffixes": ["example.com"]},
                      headers=admin)
    assert r.status_code == 201, r.text
    assert any("--allow-wildcards" in w for w in r.json()["warnings"])
    r = h.client.patch("/api/v1/acme/profiles/wild", json={"allow_wildcards": False},
                       headers=admin)
    assert r.json()["warnings"] == []
