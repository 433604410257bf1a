"""Seed 002 chapters 6, 7 and 9 with their exact values, on SQLite and PostgreSQL: the
Enhanced Security Mode credential policy enforced and not loosenable, its prerequisites,
the minimum credential age, the persistent security password, and the FIPS switch's IPsec
steps."""

from __future__ import annotations

import datetime as dt

import pytest

from certyard import accounts, backup, ipsec, policy
from certyard.db.models import Setting
from certyard.errors import AuthenticationFailed, PolicyViolation
from tests.support.modes import SECURITY_PASSWORD, fips_ready

STRONG = "Abcdefgh12345#x"


@pytest.fixture
def esm(ctx):  # type: ignore[no-untyped-def]
    fips_ready(ctx)
    with ctx.transaction() as s:
        s.add(Setting(name="syslog", value={"host": "127.0.0.1", "enabled": True},
                      updated_at=ctx.clock.now()))
    policy.enable_fips(ctx)
    policy.enable_enhanced(ctx)
    return ctx


@pytest.mark.parametrize(("password", "missing"), [
    ("Abcdefgh12345x", "a special character"),   # the exact values
    ("abcdefgh12345#", "an uppercase letter"),
    ("ABCDEFGH12345#", "a lowercase letter"),
    ("Abcdefgh#####x!", "a digit"),
])
def test_esm_requires_every_character_class(esm, password, missing) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyViolation, match=missing):
        accounts.create_user(esm, "carol", role="Read-only", password=password)


def test_esm_accepts_a_password_meeting_the_policy(esm) -> None:  # type: ignore[no-untyped-def]
    accounts.create_user(esm, "carol", role="Read-only", password=STRONG)


@pytest.mark.parametrize(("change", "match"), [
    ({"min_length": 8}, "min length must be at least 14"),
    ({"credential_expiry_days": 0}, "credential expiry days must be from 1 to 60"),
    ({"credential_expiry_days": 365}, "credential expiry days must be from 1 to 60"),
    ({"remembered_credentials": 0}, "remembered credentials must be at least 24"),
    ({"check_trivial": False}, "check trivial must stay True"),
    ({"min_char_changes": 1}, "min char changes must be at least 4"),
    ({"require_classes": ["lower", "upper"]}, "a digit, a special character"),
    ({"min_password_age_days": 0}, "min password age days must be at least 1"),
])
def test_esm_rules_cannot_be_loosened(esm, change, match) -> None:  # type: ignore[no-untyped-def]
    before = accounts.get_auth_rules(esm)
    with pytest.raises(PolicyViolation, match=match):
        accounts.set_auth_rules(esm, **change)
    assert accounts.get_auth_rules(esm) == before


def test_esm_rules_can_be_tightened_and_loosened_after_disable(esm) -> None:  # type: ignore[no-untyped-def]
    assert accounts.set_auth_rules(esm, min_length=20)["min_length"] == 20
    policy.disable_enhanced(esm)
    assert accounts.set_auth_rules(esm, min_length=8)["min_length"] == 8


def test_status_shows_rules_in_words(esm) -> None:  # type: ignore[no-untyped-def]
    words = policy.enhanced_status(esm)["rules_in_force"]
    assert "14 to 127 characters" in words
    assert any("a special character" in w for w in words)
    assert any("none of the last 24 passwords" in w for w in words)


def test_minimum_credential_age(esm) -> None:  # type: ignore[no-untyped-def]
    accounts.create_user(esm, "dave", role="Read-only", password=STRONG,
                         must_change_password=False)
    with pytest.raises(PolicyViolation, match="less than 1 day"):
        accounts.change_password(esm, "dave", current=STRONG, new="Zyxwvuts98765#q")
    esm.clock.advance(dt.timedelta(days=1, minutes=1))
    accounts.change_password(esm, "dave", current=STRONG, new="Zyxwvuts98765#q")


def test_prerequisites_are_all_named(ctx) -> None:  # type: ignore[no-untyped-def]
    missing = policy.enhanced_status(ctx)["prerequisites_missing"]
    assert len(missing) == 3
    assert any("FIPS" in m for m in missing)
    assert any("syslog" in m for m in missing)
    assert any("security password" in m for m in missing)


def test_security_password_lifecycle(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert not backup.security_password_status(ctx).set
    with pytest.raises(PolicyViolation, match="at least 14"):
        policy.enable_fips(ctx)
    backup.set_security_password(ctx, "short-pw-9")  # 10: fine outside FIPS mode
    assert not backup.security_password_status(ctx).meets_fips_length
    with pytest.raises(PolicyViolation, match="at least 14"):
        policy.enable_fips(ctx)
    with pytest.raises(AuthenticationFailed, match="current security password"):
        backup.set_security_password(ctx, SECURITY_PASSWORD, current="wrong-password")
    out = backup.set_security_password(ctx, SECURITY_PASSWORD, current="short-pw-9")
    assert "take a new backup" in out["note"]
    policy.enable_fips(ctx)
    with pytest.raises(PolicyViolation, match="FIPS mode is on"):
        backup.set_security_password(ctx, "short-pw-10", current=SECURITY_PASSWORD)
    # A backup is encrypted with the security password in force, and only with it.
    with pytest.raises(AuthenticationFailed, match="not the security password"):
        backup.create_backup(ctx, tmp_path / "b.cyb", password="another-password-1")
    assert not (tmp_path / "b.cyb").exists()
    backup.create_backup(ctx, tmp_path / "b.cyb", password=SECURITY_PASSWORD)
    assert backup.read_backup_info(tmp_path / "b.cyb", password=SECURITY_PASSWORD)


def test_fips_switch_names_ipsec_steps(ctx) -> None:  # type: ignore[no-untyped-def]
    ipsec.add_policy(ctx, ipsec.IpsecPolicySpec(
        group_name="gw", name="cert-pol", auth_method="certificate",
        destination_address="192.0.2.10", source_address="192.0.2.1"))
    ipsec.add_policy(ctx, ipsec.IpsecPolicySpec(
        group_name="gw", name="weak-pol", preshared_key="psk-value-123",
        destination_address="192.0.2.11", source_address="192.0.2.1",
        encryption_algorithm="3DES", phase1_dh=2))
    fips_ready(ctx)
    with pytest.raises(PolicyViolation, match="before enabling FIPS mode") as info:
        policy.enable_fips(ctx)
    steps = info.value.value
    cert_step = next(w for w in steps if "cert-pol" in w)
    assert "1. disable it" in cert_step and "2. re-certify" in cert_step \
        and "3. enable it again" in cert_step
    assert any("weak-pol" in w and "3DES" in w for w in steps)
    assert not policy.fips_status(ctx).enabled  # nothing switched
    ipsec.set_enabled(ctx, "cert-pol", False)
    ipsec.set_enabled(ctx, "weak-pol", False)
    warnings = policy.enable_fips(ctx).warnings
    assert any("cert-pol" in w and "2. re-certify" in w for w in warnings)
    assert any("cert-pol" in w for w in policy.disable_fips(ctx).warnings)


def test_enabling_esm_keeps_stricter_rules(ctx) -> None:  # type: ignore[no-untyped-def]
    fips_ready(ctx)
    with ctx.transaction() as s:
        s.add(Setting(name="syslog", value={"host": "127.0.0.1", "enabled": True},
                      updated_at=ctx.clock.now()))
    policy.enable_fips(ctx)
    accounts.set_auth_rules(ctx, min_length=16, credential_expiry_days=30,
                            min_password_age_days=2)
    policy.enable_enhanced(ctx)
    rules = accounts.get_auth_rules(ctx)
    assert (rules["min_length"], rules["credential_expiry_days"],
            rules["min_password_age_days"]) == (16, 30, 2)
    for change in ({"inactivity_days": 0}, {"max_sessions": 0}):
        with pytest.raises(PolicyViolation):
            accounts.set_auth_rules(ctx, **change)
