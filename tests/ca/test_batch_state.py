"""One-call issuance keeps the CA's settings, issuing CA and chain between group-commit
batches (ca/batch_state.py): a change made in this process applies to the very next
certificate; a change made by another process (written below the ORM here) applies once
``RECHECK_SECONDS`` have passed. Both backends."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from sqlalchemy import select, update

from certyard import ca
from certyard.ca import batch_state
from certyard.db.models import Setting
from certyard.errors import CertyardError
from tests.ca.helpers import make_csr, setup_ca


def _issue(ctx: Any, cn: str) -> ca.IssuedNow:
    return ca.submit_and_issue(ctx, make_csr(cn)[1], profile="server")


def test_a_settings_change_here_applies_to_the_next_certificate(ctx: Any) -> None:
    setup_ca(ctx)
    _issue(ctx, "a.example.com")  # the state is now kept
    ca.configure_ca(ctx, allowed_domains=["example.org"])
    with pytest.raises(CertyardError) as refused:
        _issue(ctx, "b.example.com")
    assert "example.com" in refused.value.message
    assert _issue(ctx, "c.example.org").subject == "CN=c.example.org"


def test_a_new_base_url_here_is_in_the_next_certificate(ctx: Any) -> None:
    setup_ca(ctx)
    _issue(ctx, "a.example.com")
    ca.configure_ca(ctx, base_url="http://ca.example.net:8080")
    cert = x509.load_pem_x509_certificate(_issue(ctx, "b.example.com").pem.encode())
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert "ca.example.net" in cdp[0].full_name[0].value  # type: ignore[index]


def test_a_change_from_another_process_applies_within_the_recheck(
        ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    setup_ca(ctx)
    _issue(ctx, "a.example.com")
    with ctx.read() as s:
        value = dict(s.scalar(select(Setting.value).where(Setting.name == "ca")) or {})
    value["allowed_domains"] = ["example.org"]
    # Below the ORM, as another process's commit looks from here: no event in this process.
    with ctx.engine.begin() as conn:
        conn.execute(update(Setting).where(Setting.name == "ca").values(value=value))
    monkeypatch.setattr(batch_state, "RECHECK_SECONDS", 3600.0)
    assert _issue(ctx, "b.example.com")  # still the state read before the change
    monkeypatch.setattr(batch_state, "RECHECK_SECONDS", 0.0)  # the recheck has passed
    with pytest.raises(CertyardError):
        _issue(ctx, "c.example.com")


def test_a_failed_batch_does_not_spoil_the_kept_state(ctx: Any) -> None:
    setup_ca(ctx)
    _issue(ctx, "a.example.com")
    with pytest.raises(CertyardError):  # refused inside the batch (name policy)
        ca.submit_and_issue(ctx, make_csr("bad..name")[1], profile="server")
    assert _issue(ctx, "b.example.com").subject == "CN=b.example.com"
