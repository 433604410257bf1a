"""Profiles per caller: over the network (API, web) only end-entity profiles; a sub-CA or a
delegated OCSP signer only from the host (CLI). The rule is the ca service's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from certyard import ca
from certyard.errors import InvalidInput
from tests.api.helpers import make_harness, sign_in
from tests.ca.helpers import make_csr


def _pem(cn: str) -> bytes:
    return make_csr(cn, sans=[])[1].public_bytes(Encoding.PEM)


@pytest.mark.parametrize("profile", ["sub-ca", "ocsp"])
def test_remote_callers_get_no_ca_or_ocsp_profile(ctx: Any, profile: str) -> None:
    h = make_harness(ctx, with_ca=True)
    with pytest.raises(InvalidInput, match="host administrator") as info:
        ca.submit_request(ctx, _pem("remote.example.com"), profile=profile, caller="remote")
    assert info.value.field == "profile"
    admin = h.as_role("System Administrator")
    r = h.client.post("/api/v1/ca/requests", headers=admin,
                      json={"csr": _pem("api.example.com").decode(), "profile": profile})
    assert r.status_code == 422 and "host administrator" in r.text
    # A request queued from the host: the API and the web may not approve it as sub-CA.
    req = ca.submit_request(ctx, _pem("queued.example.com"), profile="client")
    r = h.client.post(f"/api/v1/ca/requests/{req.id}/issue", headers=admin,
                      json={"profile": profile})
    assert r.status_code == 422, r.text
    csrf = sign_in(h.client, "sysadm")
    page = h.client.post(f"/ca/requests/{req.id}/issue",
                         data={"profile": profile, "days": "", "csrf_token": csrf})
    assert page.status_code == 422 and re.search("host administrator", page.text)
    assert ca.show_request(ctx, req.id).state == "pending"
    # The host may.
    done = ca.issue_request(ctx, req.id, profile=profile)
    assert done.state == "issued"
