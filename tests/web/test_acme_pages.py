"""The ACME pages in-process: every tab renders, profiles are added, edited and removed
with errors next to the field, an EAB key is shown once (never cached, never in a cookie or
the list), settings are saved and refused, and a read-only role sees no forms and cannot
post. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from certyard import acme
from tests.api.helpers import make_harness, sign_in

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane


@pytest.fixture
def h(ctx):
    return make_harness(ctx, with_ca=True)


PAGES = ("/acme-server/profiles", "/acme-server/eab-keys", "/acme-server/accounts",
         "/acme-server/orders", "/acme-server/settings")


def _profile_form(csrf: str, **over: str) -> dict[str, str]:
    form = {"csrf_token": csrf, "name": "internal", "description": "Inside servers",
            "allowed_suffixes": "internal.example.com", "allowed_names": "",
            "allowed_networks": "10.0.0.0/8", "cert_profile": "server", "days": "30",
            "orders_per_hour": "0", "approval": "required", "terms_url": "",
            "eab_required": "true"}
    form.update(over)
    return form


def test_every_tab_renders_and_the_menu_links_it(h):
    sign_in(h.client, "sysadm")
    r = h.client.get("/acme-server", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/acme-server/profiles"
    for path in PAGES:
        r = h.client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert '<a href="/acme-server" class="active">ACME</a>' in r.text
    assert "No ACME profiles yet" in h.client.get("/acme-server/profiles").text


def test_profile_add_edit_remove(h):
    csrf = sign_in(h.client, "sysadm")
    r = h.client.post("/acme-server/profiles", data=_profile_form(csrf, name="Bad Name!"))
    assert r.status_code == 422
    assert 'id="err-name"' in r.text and 'value="internal.example.com"' in r.text
    r = h.client.post("/acme-server/profiles", data=_profile_form(
        csrf, allowed_suffixes="", allowed_networks=""))
    assert r.status_code == 422 and 'id="err-allowed_suffixes"' in r.text
    r = h.client.post("/acme-server/profiles", data=_profile_form(csrf, days="ninety"))
    assert r.status_code == 422 and 'id="err-days"' in r.text
    assert acme.list_profiles(h.ctx) == []

    r = h.client.post("/acme-server/profiles", data=_profile_form(csrf))
    assert r.status_code == 200
    assert "https://testserver/acme/internal/directory" in r.text  # the notice and the table
    p = acme.show_profile(h.ctx, "internal")
    assert (p.allowed_suffixes, p.allowed_networks, p.days, p.approval, p.eab_required) == \
        (["internal.example.com"], ["10.0.0.0/8"], 30, "required", True)
    r = h.client.post("/acme-server/profiles", data=_profile_form(csrf))
    assert r.status_code == 409 and "exists already" in r.text

    page = h.client.get("/acme-server/profiles/internal/edit")
    assert page.status_code == 200 and 'value="internal.example.com"' in page.text
    r = h.client.post("/acme-server/profiles/internal/edit", data=_profile_form(
        csrf, allowed_suffixes="a.example b.example", approval="none", eab_required="",
        days="7"))
    assert r.status_code == 200 and "updated" in r.text
    p = acme.show_profile(h.ctx, "internal")
    assert (p.allowed_suffixes, p.approval, p.eab_required, p.days) == \
        (["a.example", "b.example"], "none", False, 7)
    r = h.client.post("/acme-server/profiles/internal/edit",
                      data=_profile_form(csrf, approval="sometimes"))
    assert r.status_code == 422 and 'id="err-approval"' in r.text
    assert acme.show_profile(h.ctx, "internal").approval == "none"
    assert h.client.get("/acme-server/profiles/nope/edit").status_code == 404

    r = h.client.post("/acme-server/profiles/internal/remove", data={"csrf_token": csrf})
    assert r.status_code == 200 and "removed" in r.text
    assert acme.list_profiles(h.ctx) == []
    r = h.client.post("/acme-server/profiles/internal/remove", data={"csrf_token": csrf})
    assert r.status_code == 404


def test_eab_key_is_shown_once(h):
    csrf = sign_in(h.client, "sysadm")
    acme.add_profile(h.ctx, "eab", allowed_suffixes=["example.com"], eab_required=True)
    r = h.client.post("/acme-server/eab-keys", data={"csrf_token": csrf, "profile": "nope"})
    assert r.status_code == 404
    r = h.client.post("/acme-server/eab-keys", data={"csrf_token": csrf, "profile": "eab",
                                                     "description": "web01 team"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "set-cookie" not in r.headers  # not in a flash cookie either
    kid = re.search(r'id="eab-kid">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    hmac_key = re.search(r'id="eab-hmac">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert len(hmac_key) >= 43
    listed = h.client.get("/acme-server/eab-keys")
    assert kid in listed.text and hmac_key not in listed.text and "web01 team" in listed.text
    assert [k.status for k in acme.list_eab_keys(h.ctx)] == ["unused"]

    r = h.client.post(f"/acme-server/eab-keys/{kid}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 200 and "revoked" in r.text
    assert [k.status for k in acme.list_eab_keys(h.ctx)] == ["revoked"]
    r = h.client.post(f"/acme-server/eab-keys/{kid}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 409 and "already revoked" in r.text


def test_settings_saved_and_refused(h):
    csrf = sign_in(h.client, "sysadm")
    good = {"csrf_token": csrf, "http_port": "8080", "tlsalpn_port": "8443",
            "dns_resolver": "127.0.0.1:5353", "allowed_networks": "10.0.0.0/8, 127.0.0.0/8",
            "timeout": "5"}
    r = h.client.post("/acme-server/settings", data=good)
    assert r.status_code == 200 and "saved" in r.text
    s = acme.acme_settings(h.ctx)
    assert (s.http_port, s.tlsalpn_port, s.dns_resolver, s.allowed_networks, s.timeout) == \
        (8080, 8443, "127.0.0.1:5353", ["10.0.0.0/8", "127.0.0.0/8"], 5.0)
    for field, value in (("http_port", "99999"), ("http_port", "eighty"),
                         ("dns_resolver", "nowhere"), ("allowed_networks", "10.0.0.0/99"),
                         ("timeout", "soon")):
        r = h.client.post("/acme-server/settings", data={**good, field: value})
        assert r.status_code == 422, (field, value)
        assert f'id="err-{field}"' in r.text and f'value="{value}"' in r.text
    assert acme.acme_settings(h.ctx) == s


def test_orders_and_accounts_lists(h):
    sign_in(h.client, "sysadm")
    acme.add_profile(h.ctx, "web", allowed_suffixes=["example.com"])
    assert "No ACME orders" in h.client.get("/acme-server/orders?status=processing").text
    assert h.client.get("/acme-server/orders?status=bogus&profile=zzz").status_code == 200
    assert "No ACME accounts" in h.client.get("/acme-server/accounts?profile=web").text
    assert h.client.get("/acme-server/orders/no-such-order").status_code == 404
    r = h.client.post("/acme-server/accounts/no-such/deactivate",
                      data={"csrf_token": sign_in(h.client, "sysadm")})
    assert r.status_code == 404


def test_read_only_sees_no_forms_and_cannot_post(h):
    acme.add_profile(h.ctx, "web", allowed_suffixes=["example.com"])
    csrf = sign_in(h.client, "viewer")
    for path in PAGES:
        r = h.client.get(path)
        assert r.status_code == 200, path
        assert 'method="post" action="/acme-server' not in r.text, path
    for path, data in (("/acme-server/profiles", _profile_form(csrf, name="x")),
                       ("/acme-server/profiles/web/remove", {}),
                       ("/acme-server/eab-keys", {"profile": "web"}),
                       ("/acme-server/settings", {"http_port": "81"})):
        r = h.client.post(path, data={"csrf_token": csrf, **data})
        assert r.status_code == 403, path
    assert [p.name for p in acme.list_profiles(h.ctx)] == ["web"]
    assert acme.list_eab_keys(h.ctx) == [] and acme.acme_settings(h.ctx).http_port == 80


def test_posts_without_csrf_change_nothing(h):
    sign_in(h.client, "sysadm")
    r = h.client.post("/acme-server/profiles", data=_profile_form("forged"))
    assert r.status_code == 403
    assert acme.list_profiles(h.ctx) == []
