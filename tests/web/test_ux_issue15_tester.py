"""An outside tester's findings on the web UI (issue 15), in-process: every refused field of
the Generate CSR form shows its message under the field (or above the form), the typed
values kept; the Settings page and the IPsec add form report every bad field at once."""

from __future__ import annotations

import html
import re

import pytest

from certyard import cluster, store
from tests.api.helpers import make_harness, sign_in


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


@pytest.fixture
def h(ctx):
    return make_harness(ctx, with_ca=True)


def _error_under(page: str, after: str) -> str:
    """The form-error text right after the field whose markup contains ``after``."""
    at = page.index(after)
    m = re.search(r'<(?:p|span|div)[^>]*class="[^"]*(?:field-error|form-error)[^"]*"[^>]*>'
                  r'(.*?)</(?:p|span|div)>', page[at:at + 3000], re.S)
    assert m, page[at:at + 3000]
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def _csr(h, csrf, **fields):
    data = {"csrf_token": csrf, "purpose": "tomcat", "node": "sub1",
            "distribution": "single", **fields}
    return h.client.post("/certificates/generate-csr", data=data)


def test_generate_csr_shows_every_refusal_under_its_field(h):
    cluster.add_node(h.ctx, "sub1", fqdn="sub1.example.com")
    csrf = sign_in(h.client, "sysadm")
    r = _csr(h, csrf, sans="good.example.com\nbad san!")
    assert r.status_code == 422
    assert "is not a valid DNS name" in _error_under(r.text, 'name="sans"')
    assert "bad san!" in r.text and "good.example.com" in r.text  # typed values kept
    r = _csr(h, csrf, sans="*.example.com")
    assert r.status_code == 422
    assert "wildcard certificates are not supported" in _error_under(r.text, 'name="sans"')
    r = _csr(h, csrf, common_name="*.example.com")
    assert r.status_code == 422
    assert "wildcard" in _error_under(r.text, 'name="common_name"')
    assert 'value="*.example.com"' in r.text
    r = _csr(h, csrf, common_name="x" * 65)  # too long: said under the box, not a bare 422
    assert r.status_code == 422
    assert "longer than 64" in _error_under(r.text, 'name="common_name"')
    r = _csr(h, csrf, sans="IP:300.1.1.1")
    assert r.status_code == 422 and "not an IP address" in _error_under(r.text, 'name="sans"')
    r = _csr(h, csrf, key_length="999")
    assert r.status_code == 422
    assert "key length" in _error_under(r.text, 'name="key_length"').lower()
    r = _csr(h, csrf, key_length="abc")
    assert r.status_code == 422 and "must be a number" in _error_under(r.text, 'name="key_length"')
    r = _csr(h, csrf, hash="md5")
    assert r.status_code == 422 and _error_under(r.text, 'name="hash"')
    r = _csr(h, csrf, distribution="sideways")
    assert r.status_code == 422 and "distribution" in _error_under(r.text, 'name="distribution"')
    # An error the form has no field for (an unknown node) is shown above the button.
    r = _csr(h, csrf, node="ghost")
    assert r.status_code == 404 and 'class="form-error"' in r.text and "ghost" in r.text
    assert store.find_entries(h.ctx, type="csr").total == 0  # nothing was made


def test_settings_reports_every_bad_value_under_its_field(h):
    from certyard import ca

    csrf = sign_in(h.client, "sysadm")
    before = (ca.ca_settings(h.ctx).base_url, ca.listener_settings(h.ctx))
    r = h.client.post("/settings", data={"csrf_token": csrf, "base_url": "ftp://x",
                                         "names": "pki.example.com bad_name!",
                                         "http_port": "abc", "https_port": "70000"})
    assert r.status_code == 422
    assert "plain http://" in _error_under(r.text, 'name="base_url"')
    assert "bad_name!" in _error_under(r.text, 'name="names"')
    assert _error_under(r.text, 'name="http_port"') == \
        "Plain-HTTP port must be a port number from 1 to 65535, not 'abc'"
    assert _error_under(r.text, 'name="https_port"') == \
        "HTTPS port must be a port number from 1 to 65535, not '70000'"
    assert "http_port" not in _error_under(r.text, 'name="http_port"')
    for typed in ("ftp://x", "bad_name!", 'value="abc"', 'value="70000"'):
        assert typed in r.text  # what was typed is kept
    assert (ca.ca_settings(h.ctx).base_url, ca.listener_settings(h.ctx)) == before  # unsaved
    # A good listener change with a bad URL: nothing is saved either.
    r = h.client.post("/settings", data={"csrf_token": csrf, "base_url": "ftp://x",
                                         "names": "", "http_port": "8081", "https_port": ""})
    assert r.status_code == 422 and ca.listener_settings(h.ctx) == before[1]
    r = h.client.post("/settings", data={"csrf_token": csrf, "base_url": "",
                                         "names": "", "http_port": "8081", "https_port": "8081"})
    assert r.status_code == 422 and "must differ" in _error_under(r.text, 'name="http_port"')


def test_settings_warns_when_the_plain_http_port_differs_from_the_listener(h):
    from certyard import ca
    from certyard.server.health import ServerState

    state = ServerState()
    state.listeners = {"host": "127.0.0.1", "http_port": 18080, "https_port": 8443}
    h.client.app.state.server = state
    sign_in(h.client, "sysadm")
    assert ca.listener_settings(h.ctx).http_port != 18080
    text = re.sub(r"\s+", " ", h.client.get("/settings").text)
    assert "the plain-HTTP port is set to 8080, but this server listens for plain HTTP on " \
           "port 18080" in text


def test_ipsec_add_shows_every_bad_field_at_once(h):
    from certyard import ipsec
    from tests.web.test_ux_remaining import IPSEC, _field_error

    csrf = sign_in(h.client, "sysadm")
    r = h.client.post("/ipsec", data={
        "csrf_token": csrf, **IPSEC, "group_name": "", "destination_address": "not an ip!",
        "remote_port": "0", "phase1_lifetime": "soon", "phase2_lifetime": "90000",
        "preshared_key": "short key!", "protocol": "TCP", "source_port": "x"})
    assert r.status_code == 422
    assert _field_error(r.text, "group_name") == "Policy Group Name is required"
    assert _field_error(r.text, "destination_address").startswith("Destination Address")
    assert _field_error(r.text, "remote_port").startswith("Remote Port must be")
    assert _field_error(r.text, "phase1_lifetime").startswith("Phase One Life Time (s) must be")
    assert _field_error(r.text, "phase2_lifetime").startswith("Phase Two Life Time (s) must be")
    assert _field_error(r.text, "preshared_key").startswith("Preshared Key may contain only")
    assert _field_error(r.text, "source_port").startswith("Source Port must be")
    assert 'value="not an ip!"' in r.text and 'value="soon"' in r.text  # typed values kept
    assert "short key!" not in r.text  # the secret is never echoed
    assert ipsec.list_policies(h.ctx) == []
    # Only rule-breaking values (all readable): every one reported by the spec itself.
    r = h.client.post("/ipsec", data={
        "csrf_token": csrf, **IPSEC, "remote_port": "0", "phase2_lifetime": "90000",
        "destination_address": "10.0.0.1"})
    assert r.status_code == 422
    for name in ("remote_port", "phase2_lifetime", "destination_address"):
        assert _field_error(r.text, name), name
    assert ipsec.list_policies(h.ctx) == []
