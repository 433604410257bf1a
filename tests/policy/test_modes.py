"""FIPS mode and Enhanced Security Mode on both backends."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from sqlalchemy import select

from certyard import policy, store
from certyard.cluster import init_cluster
from certyard.db.models import Setting, StoreEntry
from certyard.errors import PolicyViolation, WeakAlgorithm
from tests.support.modes import fips_ready, fips_ready_cli


def _setting(ctx, name):  # type: ignore[no-untyped-def]
    with ctx.read() as s:
        row = s.get(Setting, name)
        return dict(row.value) if row else {}


def test_fips_lists_and_regenerates_noncompliant(ctx, clock) -> None:  # type: ignore[no-untyped-def]
    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    store.generate_self_signed(ctx, "tomcat", key_length=1024)
    # A SHA-1 CA made by openssl (cryptography no longer signs SHA-1) in a trust store.
    sha1_ca = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null",
         "-sha1", "-days", "30", "-subj", "/CN=Old SHA1 CA"], capture_output=True,
        check=True).stdout
    clock.advance(dt.timedelta(minutes=5))  # openssl starts validity when it signs
    store.upload_trust_certificates(ctx, "ipsec-trust", sha1_ca)
    fips_ready(ctx)
    result = policy.enable_fips(ctx)
    assert result.enabled
    bad = {(e["purpose"], e["type"], e["common_name"], tuple(e["reasons"]))
           for e in result.noncompliant}
    assert bad == {("tomcat", "identity", "pub.example.com", ("RSA-1024 key",)),
                   ("tomcat", "trust", "pub.example.com", ("RSA-1024 key",)),
                   ("ipsec", "trust", "Old SHA1 CA", ("SHA1 signature",))}
    assert result.warnings and "--regenerate" in result.warnings[0]
    # The store now refuses weak choices (it reads Setting("fips")).
    with pytest.raises(WeakAlgorithm):
        store.generate_self_signed(ctx, "tomcat", key_length=1024)
    fips_ready(ctx)
    again = policy.enable_fips(ctx, regenerate=True)
    assert again.regenerated and again.regenerated[0]["purpose"] == "tomcat"
    # Only the uploaded third-party CA is left: it cannot be regenerated, only replaced.
    assert [e["common_name"] for e in again.noncompliant] == ["Old SHA1 CA"]
    assert again.noncompliant[0]["regenerable"] is False
    with ctx.read() as s:
        row = s.scalar(select(StoreEntry).where(StoreEntry.purpose == "tomcat",
                                                StoreEntry.type == "identity"))
        assert row.signature_hash == "SHA256" and row.key_size >= 2048
    assert policy.fips_status(ctx).enabled
    assert _setting(ctx, "auth_rules")["password_hash"] == "pbkdf2-sha256"


def test_fips_status_is_honest_about_openssl(ctx) -> None:  # type: ignore[no-untyped-def]
    status = policy.fips_status(ctx)
    assert status.enabled is False
    info = status.openssl
    assert info["ssl_fips_provider"] in (True, False, None)
    if not info["validated_module_active"]:
        assert "not running in a FIPS 140 validated mode" in info["statement"]
    # Cross-check with the openssl CLI's list of active providers.
    import subprocess

    out = subprocess.run(["openssl", "list", "-providers"], capture_output=True,
                         text=True).stdout
    assert ("fips" in out.lower()) == bool(info["ssl_fips_provider"])


def test_enhanced_requires_fips_and_merges_rules(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyViolation, match="FIPS mode is off") as info:
        policy.enable_enhanced(ctx)
    # Every missing prerequisite is named at once.
    assert "remote syslog" in info.value.message and "security password" in info.value.message
    with ctx.transaction() as s:  # another room's keys, to be kept
        s.add(Setting(name="auth_rules", value={"lockout_attempts": 3, "min_length": 8},
                      updated_at=ctx.clock.now()))
        s.add(Setting(name="syslog", value={"host": "127.0.0.1", "protocol": "udp",
                                            "enabled": True}, updated_at=ctx.clock.now()))
    fips_ready(ctx)
    policy.enable_fips(ctx)
    out = policy.enable_enhanced(ctx)
    assert out["enabled"] and out["restart"]
    rules = _setting(ctx, "auth_rules")
    assert rules["lockout_attempts"] == 3
    assert rules["min_length"] == 14 and rules["remembered_credentials"] == 24
    assert rules["credential_expiry_days"] == 60 and rules["min_char_changes"] == 4
    assert rules["require_classes"] == ["lower", "upper", "digit", "special"]
    assert rules["inactivity_days"] == 90 and rules["password_hash"] == "pbkdf2-sha256"
    assert _setting(ctx, "syslog") == {"host": "127.0.0.1", "protocol": "tcp", "enabled": True}
    with pytest.raises(PolicyViolation, match="disable Enhanced Security Mode first"):
        policy.disable_fips(ctx)
    assert policy.enhanced_status(ctx)["enabled"]
    policy.disable_enhanced(ctx)
    assert not policy.enhanced_status(ctx)["enabled"]
    assert not policy.disable_fips(ctx).enabled


def test_cli_fips_and_enhanced(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init").code == 0
    status = cli("fips", "status", "--json").json()
    assert status["enabled"] is False and "statement" in status["openssl"]
    bad = cli("enhanced-security", "enable")
    assert bad.code == 2 and "FIPS mode is off" in bad.stderr
    bad = cli("fips", "enable")
    assert bad.code == 2 and "security password of at least 14" in bad.stderr
    fips_ready_cli(cli, tmp_path)
    assert cli("syslog", "configure", "--host", "127.0.0.1", "--protocol", "tcp",
               "--enable").code == 0
    r = cli("fips", "enable")
    assert r.code == 0 and "FIPS mode: enabled" in r.stdout and "restart notice" in r.stdout
    assert cli("enhanced-security", "enable", "--json").json()["syslog_protocol"] == "tcp"
    assert cli("enhanced-security", "status", "--json").json()["enabled"] is True
    assert cli("fips", "disable").code == 2
    assert cli("enhanced-security", "disable").code == 0
    assert cli("fips", "disable", "--json").json()["enabled"] is False
