"""certbot against certyard's ACME server through dns-01: --manual with auth and cleanup
hooks that write the TXT records into a real authoritative DNS server (BIND 9, with
``nsupdate`` and a TSIG key), External Account Binding, one certificate for two names,
renewal (the hooks run again) and revocation. ``openssl verify`` accepts it with the CA
chain and OCSP says revoked after the revocation."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from certyard import acme
from tests.acme.lab import Lab, acme_lab, leaf_of, ocsp_status, openssl_verify, sans
from tests.support.dns import NSUPDATE, DnsServer
from tests.support.peers import requires_peer

CERTBOT = shutil.which("certbot")
pytestmark = [pytest.mark.slow,
              requires_peer(CERTBOT is not None, "certbot",
                            install="apt-get install certbot (or pip install certbot)"),
              requires_peer(NSUPDATE is not None, "nsupdate",
                            install="apt-get install dnsutils"),
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def _hook(path: Path, dns: DnsServer, verb: str, log: Path) -> Path:
    """A manual hook: certbot puts the name and the TXT value in the environment."""
    path.write_text(
        "#!/bin/sh\nset -eu\n"
        f'echo "{verb} $CERTBOT_DOMAIN" >> "{log}"\n'
        f"printf 'server {dns.address} {dns.port}\\nzone {dns.zone}\\n"
        f"update {verb} _acme-challenge.%s. 5 TXT \"%s\"\\nsend\\n' "
        f'"$CERTBOT_DOMAIN" "$CERTBOT_VALIDATION" | nsupdate -k "{dns.key_file}"\n')
    path.chmod(0o755)
    return path


def _certbot(lab: Lab, base: Path, *args: str) -> str:
    done = subprocess.run(
        [CERTBOT or "certbot", *args, "--non-interactive", "--config-dir", str(base / "c"),
         "--work-dir", str(base / "w"), "--logs-dir", str(base / "l")],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "REQUESTS_CA_BUNDLE": str(lab.srv.root_pem)})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_certbot_dns01_with_hooks_and_eab(env: dict[str, str], tmp_path: Path,
                                          dns_server: DnsServer) -> None:
    with acme_lab(env, tmp_path, dns_server) as lab:
        directory = lab.profile("certbot-dns", eab_required=True)
        kid, hmac_key = lab.eab("certbot-dns")
        # dns-01 needs no address for the names: no A records at all.
        names = [dns_server.name("cb-a"), dns_server.name("cb-b")]
        base = tmp_path / "certbot"
        base.mkdir()
        log = base / "hooks.log"
        auth = _hook(base / "auth.sh", dns_server, "add", log)
        cleanup = _hook(base / "cleanup.sh", dns_server, "delete", log)
        _certbot(lab, base, "register", "--server", directory, "--agree-tos",
                 "-m", "ops@example.com", "--eab-kid", kid, "--eab-hmac-key", hmac_key)
        [account] = acme.list_accounts(lab.ctx, profile="certbot-dns")
        assert account.eab_kid == kid

        _certbot(lab, base, "certonly", "--server", directory, "--manual",
                 "--preferred-challenges", "dns", "--manual-auth-hook", str(auth),
                 "--manual-cleanup-hook", str(cleanup), "--cert-name", "cb",
                 *[a for n in names for a in ("-d", n)])
        live = base / "c" / "live" / "cb"
        first = leaf_of(live / "cert.pem")
        assert sans(first) == sorted(names)
        openssl_verify(lab, live / "fullchain.pem")
        assert ocsp_status(lab, live / "cert.pem") == "good"
        assert sorted(log.read_text().splitlines()) == sorted(
            [f"add {n}" for n in names] + [f"delete {n}" for n in names])
        assert all(dns_server.query(f"_acme-challenge.{n}", "TXT") == [] for n in names)

        _certbot(lab, base, "renew", "--force-renewal", "--no-random-sleep-on-renew",
                 "--cert-name", "cb")
        second = leaf_of(live / "cert.pem")
        assert second.serial_number != first.serial_number
        assert sans(second) == sorted(names)
        openssl_verify(lab, live / "fullchain.pem")
        assert log.read_text().count("add ") == 4  # the stored hooks ran again

        kept = tmp_path / "renewed.pem"
        shutil.copy(live / "cert.pem", kept)
        _certbot(lab, base, "revoke", "--cert-name", "cb", "--reason", "superseded",
                 "--no-delete-after-revoke")
        assert ocsp_status(lab, kept) == "revoked"
        assert lab.issued(format(second.serial_number, "x")).status == "revoked"
        orders = acme.list_orders(lab.ctx, profile="certbot-dns")
        assert [o.status for o in orders] == ["valid", "valid"]
        for o in orders:
            for a in acme.show_order(lab.ctx, o.id).authorizations:
                assert [c["type"] for c in a["challenges"] if c["status"] == "valid"] == \
                    ["dns-01"]
