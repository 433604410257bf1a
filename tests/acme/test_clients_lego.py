"""lego (Debian's package) against certyard's ACME server on loopback: with External
Account Binding through http-01, and through tls-alpn-01 (RFC 8737); each registers,
obtains one certificate for two names, renews it and revokes it. ``openssl verify``
accepts each certificate with the CA chain, and certyard's OCSP responder says revoked
after the revocation."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from certyard import acme
from tests.acme.lab import Lab, acme_lab, leaf_of, ocsp_status, openssl_verify, sans
from tests.support.dns import DnsServer
from tests.support.peers import requires_peer

LEGO = shutil.which("lego")
pytestmark = [pytest.mark.slow,
              requires_peer(LEGO is not None, "lego", install="apt-get install lego"),
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def _lego(lab: Lab, directory: str, home: Path, names: list[str], *args: str) -> str:
    cmd = [LEGO or "lego", "--server", directory, "--path", str(home), "--accept-tos",
           "--email", "ops@example.com", "--key-type", "ec256"]
    for name in names:
        cmd += ["--domains", name]
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LEGO_CA_CERTIFICATES": str(lab.srv.root_pem)},
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _cycle(lab: Lab, directory: str, names: list[str], solver: list[str],
           eab: list[str]) -> None:
    home = lab.tmp / f"lego-{names[0]}"
    crt = home / "certificates" / f"{names[0]}.crt"
    _lego(lab, directory, home, names, *eab, *solver, "run")
    first = leaf_of(crt)
    assert sans(first) == sorted(names)
    openssl_verify(lab, crt)
    assert ocsp_status(lab, crt) == "good"

    # Renew: the profile's certificates last 30 days, so "renew within 45" renews now.
    _lego(lab, directory, home, names, *eab, *solver, "renew", "--days", "45",
          "--no-random-sleep")
    second = leaf_of(crt)
    assert second.serial_number != first.serial_number
    assert sans(second) == sorted(names)
    openssl_verify(lab, crt)

    kept = lab.tmp / f"{names[0]}-renewed.pem"
    shutil.copy(crt, kept)  # lego archives the files it revoked
    _lego(lab, directory, home, names[:1], *eab, "revoke")
    assert ocsp_status(lab, kept) == "revoked"
    assert lab.issued(format(second.serial_number, "x")).status == "revoked"
    orders = [o for o in acme.list_orders(lab.ctx) if sorted(o.identifiers) == sorted(names)]
    assert [o.status for o in orders] == ["valid", "valid"]


def test_lego_http01_with_eab(env: dict[str, str], tmp_path: Path,
                              dns_server: DnsServer) -> None:
    with acme_lab(env, tmp_path, dns_server) as lab:
        directory = lab.profile("lego-eab", eab_required=True)
        kid, hmac_key = lab.eab("lego-eab")
        names = lab.names("lego-a", "lego-b")
        _cycle(lab, directory, names,
               ["--http", "--http.port", f"127.0.0.1:{lab.http_port}"],
               ["--eab", "--kid", kid, "--hmac", hmac_key])
        assert [k.status for k in acme.list_eab_keys(lab.ctx)] == ["bound"]
        [account] = acme.list_accounts(lab.ctx, profile="lego-eab")
        assert account.eab_kid == kid and account.contact == ["mailto:ops@example.com"]


def test_lego_tlsalpn01(env: dict[str, str], tmp_path: Path, dns_server: DnsServer) -> None:
    with acme_lab(env, tmp_path, dns_server) as lab:
        directory = lab.profile("lego-alpn")
        names = lab.names("alpn-a", "alpn-b")
        _cycle(lab, directory, names,
               ["--tls", "--tls.port", f"127.0.0.1:{lab.tlsalpn_port}"], [])
        challenges = {c["type"]: c["status"]
                      for o in acme.list_orders(lab.ctx)
                      for a in acme.show_order(lab.ctx, o.id).authorizations
                      for c in a["challenges"] if c["status"] == "valid"}
        assert challenges == {"tls-alpn-01": "valid"}
