"""certyard.setup.bootstrap: the first run every front end shares."""

from __future__ import annotations

from typing import Any

from certyard import accounts, ca
from certyard.setup import bootstrap


def test_first_run_sets_up_cluster_admin_and_ca_once(ctx: Any) -> None:
    first = bootstrap(ctx, http_port=8080, server_name="pki.example.com")
    assert first.created and first.admin_password
    assert [u.name for u in accounts.list_users(ctx)] == [accounts.DEFAULT_ADMIN]
    assert ca.embedded_urls(ctx)  # the CA names the plain-HTTP listener it serves on
    assert any("http://pki.example.com:8080" in u for u in ca.embedded_urls(ctx).values())
    again = bootstrap(ctx, http_port=8080)
    assert not again.created and again.admin_password is None
    assert again.publisher_fqdn == first.publisher_fqdn
