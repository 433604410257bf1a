"""Settings that cannot work are said at the moment of the change (seed 001: upload the
OCSP responder certificate to tomcat-trust before enabling OCSP; e-mail needs SMTP)."""

from __future__ import annotations

from certyard import cluster, monitor, store
from tests.support.pki import make_ca, pem


def test_warnings_at_the_change(ctx, cli) -> None:  # type: ignore[no-untyped-def]
    cluster.init_cluster(ctx, name="pub", fqdn="pub.example.com")
    assert monitor.settings_warnings(ctx) == []
    monitor.update_monitor_settings(ctx, email_enabled=True, email_ids="ops@example.com")
    assert any("no SMTP server" in w for w in monitor.settings_warnings(ctx))
    monitor.update_smtp_settings(ctx, host="127.0.0.1", port=2525)
    assert not any("SMTP" in w for w in monitor.settings_warnings(ctx))

    r = cli("monitor", "revocation", "set", "--ocsp", "--json")
    assert r.code == 0
    assert any("tomcat-trust holds no OCSP responder" in w for w in r.json()["warnings"])
    root, _ = make_ca("Responder Issuer")
    store.upload_trust_certificates(ctx, "tomcat-trust", pem(root))
    assert monitor.settings_warnings(ctx) == []
    r = cli("monitor", "revocation", "set", "--ocsp")
    assert r.code == 0 and "tomcat-trust" not in r.stderr
