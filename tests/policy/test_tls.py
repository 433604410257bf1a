"""Minimum TLS version, Cipher Management and the HTTPS Ciphers option, on both backends,
checked against the real OpenSSL and OpenSSH."""

from __future__ import annotations

import pytest

from certyard import policy
from certyard.errors import InvalidInput, PolicyViolation
from tests.support.modes import fips_ready


def test_fresh_install_defaults(ctx) -> None:  # type: ignore[no-untyped-def]
    value = policy.get_tls_policy(ctx)
    assert value["min_version"] == "1.2"
    assert value["https_cipher_option"] == "rsa-only"
    assert value["all_ciphers"] is None


def test_min_version_set_and_refused(ctx) -> None:  # type: ignore[no-untyped-def]
    change = policy.set_min_version(ctx, "1.3")
    assert change.value["min_version"] == "1.3"
    assert "certyard serve HTTPS listener" in change.reloaded
    assert any("every node" in r for r in change.restart)
    with pytest.raises(InvalidInput, match="not a TLS version"):
        policy.set_min_version(ctx, "1.4")
    assert policy.get_tls_policy(ctx)["min_version"] == "1.3"  # unchanged
    assert policy.set_min_version(ctx, "1.0").warnings


def test_cipher_strings_validated_by_openssl(ctx) -> None:  # type: ignore[no-untyped-def]
    change = policy.set_cipher_string(ctx, "https", "ECDHE+AESGCM:!aNULL")
    resolved = change.details["resolved"]
    assert "ECDHE-RSA-AES256-GCM-SHA384" in resolved["tls12"]
    assert all("GCM" in n for n in resolved["tls12"])
    with pytest.raises(PolicyViolation, match="OpenSSL refused the cipher string 'ECDHE-FOO'"):
        policy.set_cipher_string(ctx, "all", "ECDHE-FOO")
    with pytest.raises(PolicyViolation, match="No cipher can be selected"):
        policy.set_cipher_string(ctx, "sip", "!ALL")
    with pytest.raises(InvalidInput, match="unknown interface"):
        policy.set_cipher_string(ctx, "ftp", "HIGH")
    stored = policy.get_tls_policy(ctx)
    assert stored["all_ciphers"] is None and stored["sip_ciphers"] is None
    assert stored["https_ciphers"] == "ECDHE+AESGCM:!aNULL"


def test_https_and_sip_override_all(ctx) -> None:  # type: ignore[no-untyped-def]
    policy.set_cipher_string(ctx, "all", "HIGH:!aNULL")
    policy.set_cipher_string(ctx, "sip", "ECDHE-RSA-AES128-GCM-SHA256")
    report = policy.cipher_report(ctx)
    assert report["interfaces"]["sip"]["resolved"] == ["ECDHE-RSA-AES128-GCM-SHA256"]
    assert report["interfaces"]["https"]["effective"] == "HIGH:!aNULL"
    policy.set_cipher_string(ctx, "all", "")
    report = policy.cipher_report(ctx)
    # Nothing configured for HTTPS: the HTTPS Ciphers option's seed priority list applies.
    assert report["interfaces"]["https"]["effective"] == policy.HTTPS_PRIORITY["rsa-only"]
    assert report["interfaces"]["https"]["resolved"][:2] == [
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256"]
    assert any("TLS 1.3" in n for n in report["notes"])


def test_ssh_strings_checked_against_openssh(ctx) -> None:  # type: ignore[no-untyped-def]
    change = policy.set_cipher_string(ctx, "ssh-ciphers", "aes256-gcm@openssh.com,aes128-ctr")
    assert change.details["resolved"] == ["aes256-gcm@openssh.com", "aes128-ctr"]
    assert policy.set_cipher_string(ctx, "ssh-kex", "curve25519-sha256").restart
    with pytest.raises(PolicyViolation, match="does not know the mac algorithm"):
        policy.set_cipher_string(ctx, "ssh-mac", "hmac-sha2-256,hmac-bogus")
    assert policy.get_tls_policy(ctx)["ssh_macs"] is None


def test_fips_forbids_chacha20(ctx) -> None:  # type: ignore[no-untyped-def]
    policy.set_cipher_string(ctx, "all", "ECDHE+CHACHA20")
    with pytest.raises(PolicyViolation, match="CHACHA20"):
        fips_ready(ctx)
        policy.enable_fips(ctx)
    policy.set_cipher_string(ctx, "all", "ECDHE+AESGCM")
    fips_ready(ctx)
    policy.enable_fips(ctx)
    with pytest.raises(PolicyViolation, match="CHACHA20 is not allowed"):
        policy.set_cipher_string(ctx, "https", "ECDHE+CHACHA20")
    with pytest.raises(PolicyViolation, match="FIPS mode is on"):
        policy.set_cipher_string(ctx, "ssh-ciphers", "chacha20-poly1305@openssh.com")


def test_https_cipher_option(ctx) -> None:  # type: ignore[no-untyped-def]
    change = policy.set_https_cipher_option(ctx, "ec-and-rsa")
    assert change.details["label"] == "All Supported EC and RSA Ciphers"
    with pytest.raises(InvalidInput, match="rsa-only or ec-and-rsa"):
        policy.set_https_cipher_option(ctx, "ecdsa")
    assert policy.get_tls_policy(ctx)["https_cipher_option"] == "ec-and-rsa"


def test_cli_tls_commands(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("tls", "min-version", "show", "--json").json() == {"min_version": "1.2"}
    r = cli("tls", "min-version", "set", "1.3")
    assert r.code == 0 and "restart notice" in r.stdout
    bad = cli("tls", "min-version", "set", "2.0")
    assert bad.code == 2 and "not a TLS version" in bad.stderr
    bad = cli("tls", "ciphers", "set", "all", "NOPE-CIPHER")
    assert bad.code == 2 and "OpenSSL refused" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    ok = cli("tls", "ciphers", "set", "https", "ECDHE+AESGCM", "--json")
    assert ok.code == 0 and ok.json()["details"]["resolved"]["tls12"]
    shown = cli("tls", "ciphers", "show", "--json").json()
    assert shown["min_version"] == "1.3"
    assert shown["interfaces"]["https"]["configured"] == "ECDHE+AESGCM"
    assert cli("tls", "https-ciphers", "set", "ec-and-rsa").code == 0
    assert cli("tls", "https-ciphers", "show", "--json").json()["https_cipher_option"] == \
        "ec-and-rsa"
