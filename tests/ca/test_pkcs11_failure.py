"""A token that goes away: issuance and revocation fail cleanly (TokenUnavailable: exit 8,
HTTP 503), an alarm is raised, nothing is half-written; when the token is back, issuing
resumes in the same process and the alarm clears. Backups record token keys and restore
checks that the token still holds them."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from certyard import backup, ca
from certyard.alarms import list_alarms
from certyard.cli.errors import exit_code
from certyard.errors import TokenUnavailable
from certyard.http.errors import http_status
from tests.ca.helpers import make_csr, setup_ca
from tests.ca.softhsm import SoftHsm, softhsm, unique_label  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow  # real servers, browsers or many processes: not in the quick lane

ALARM = "CaKeyTokenUnavailable"


def _wait(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _alarm(ctx, *, active: bool) -> bool:  # type: ignore[no-untyped-def]
    items = [a for a in list_alarms(ctx, name=ALARM) if "Issuing" in a.object]
    return bool(items) and all(a.cleared != active for a in items)


def _ref(hsm: SoftHsm, label: str) -> ca.TokenRef:
    return ca.TokenRef.from_options(module=hsm.module, token=hsm.label, key_label=label,
                                    pin_file=str(hsm.pin_file))


def test_token_gone_then_back(ctx, cli, softhsm: SoftHsm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    setup_ca(ctx, key_type="EC", key_size=256, pkcs11=_ref(softhsm, unique_label("gone")))
    first = ca.issue_certificates_for_csrs(ctx, [make_csr("a.example.com")[1]],
                                           profile="server")
    away = softhsm.tokens.with_name("tokens.away")
    shutil.move(softhsm.tokens, away)
    try:
        with pytest.raises(TokenUnavailable) as info:
            ca.issue_certificates_for_csrs(ctx, [make_csr("b.example.com")[1]],
                                           profile="server")
        assert http_status(info.value) == 503 and exit_code(info.value) == 8
        assert softhsm.pin not in info.value.message
        with pytest.raises(TokenUnavailable):
            ca.revoke_certificate(ctx, first[0].serial)
        r = cli("ca", "revoke", first[0].serial, "--yes")
        assert r.code == 8 and "token" in r.stderr and "Traceback" not in r.stderr, r.stderr
        _wait(lambda: _alarm(ctx, active=True), "the token alarm")
        (alarm,) = [a for a in list_alarms(ctx, name=ALARM) if "Issuing" in a.object]
        assert alarm.severity == "Critical" and "cannot sign" in alarm.message
        # Nothing half-done: the failed issuance stored nothing, the revocation neither.
        assert [i.serial for i in ca.list_issued(ctx)] == [first[0].serial]
        assert ca.show_issued(ctx, first[0].serial).status == "good"
    finally:
        shutil.move(away, softhsm.tokens)
    again = ca.issue_certificates_for_csrs(ctx, [make_csr("c.example.com")[1]],
                                           profile="server")
    assert again[0].serial
    assert ca.revoke_certificate(ctx, first[0].serial).status == "revoked"
    _wait(lambda: _alarm(ctx, active=False), "the alarm to clear")


def test_backup_records_token_keys_and_restore_checks_them(ctx, softhsm: SoftHsm,  # type: ignore[no-untyped-def]  # noqa: F811
                                                           tmp_path: Path) -> None:
    label = unique_label("bk")
    setup_ca(ctx, key_type="EC", key_size=256, pkcs11=_ref(softhsm, label))
    archive = tmp_path / "b.cyb"
    info = backup.create_backup(ctx, archive, password="correct horse")
    labels = sorted(k["key_label"] for k in info.token_keys)
    assert labels == [f"{label}-issuing", f"{label}-root"]
    assert all(k["token"] == softhsm.label and k["module"] == softhsm.module
               for k in info.token_keys)
    assert backup.read_backup_info(archive, password="correct horse").token_keys == \
        info.token_keys
    backup.restore_backup(ctx, archive, password="correct horse")  # the keys are there

    # Delete the issuing key from the token: restore refuses and changes nothing.
    import subprocess

    out = subprocess.run(["pkcs11-tool", "--module", softhsm.module, "--token-label",
                          softhsm.label, "--login", "--pin", softhsm.pin, "--delete-object",
                          "--type", "privkey", "--label", f"{label}-issuing"],
                         capture_output=True)
    assert out.returncode == 0, out.stderr
    before = [i.serial for i in ca.list_issued(ctx)]
    with pytest.raises(TokenUnavailable, match="restore refused") as refused:
        backup.restore_backup(ctx, archive, password="correct horse")
    assert f"{label}-issuing" in refused.value.message
    assert [i.serial for i in ca.list_issued(ctx)] == before
    backup.restore_backup(ctx, archive, password="correct horse", skip_token_check=True)
    assert any("not in token" in p or "no private key" in p or "is not in" in p
               for p in ca.check_token_keys(ctx))
