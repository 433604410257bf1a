"""Finding 6: URLs from uploaded certificates (AIA OCSP, CRL distribution points) are
fetched only where the administrator allowed, and the status shown never says what the
internal network answered."""

from __future__ import annotations

import http.server
import ipaddress
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest

from certyard import store
from certyard.cluster.nodes import init_cluster
from certyard.errors import InvalidInput
from certyard.monitor.revocation import revocation_status_of, run_revocation_checks
from certyard.monitor.settings import update_revocation_settings
from tests.monitor.test_revocation import Pki, _install_leaf


class _Internal(http.server.BaseHTTPRequestHandler):
    """An internal service: counts every request that reaches it, answers 404."""

    hits: ClassVar[list[str]] = []

    def _answer(self) -> None:
        _Internal.hits.append(self.command)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def internal() -> Any:
    _Internal.hits = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Internal)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def rev(ctx: Any, tmp_path: Path) -> Any:
    init_cluster(ctx, name="node1", fqdn="node1.example.com")
    pki = Pki(tmp_path)
    store.upload_trust_certificates(ctx, "tomcat-trust", pki.root_pem.read_bytes())
    update_revocation_settings(ctx, ocsp_enabled=True, ocsp_uri_source="certificate",
                               revocation_check_enabled=True, timeout_seconds=2)
    return ctx, pki


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_certificate_urls_cannot_reach_loopback(rev: Any, internal: Any, host: str) -> None:
    ctx, pki = rev
    port = internal.server_address[1]
    _, eid = _install_leaf(ctx, pki, f"http://{host}:{port}/ocsp",
                           crl_url=f"http://{host}:{port}/x.crl")
    run_revocation_checks(ctx, force=True)
    st = revocation_status_of(ctx, eid)
    assert _Internal.hits == []  # nothing reached the internal service
    assert st.status == "error" and "reason: not_allowed" in st.detail
    # The URLs name a random port (it may contain "404"): look at the text without them.
    told = st.detail.replace(str(port), "PORT")
    assert "404" not in told and "Connection" not in told


def test_detail_never_tells_what_the_internal_network_answered(rev: Any,
                                                               internal: Any) -> None:
    ctx, pki = rev
    port = internal.server_address[1]
    # Even where the administrator allowed the network, the user sees a reason code only.
    update_revocation_settings(ctx, allowed_destinations=("127.0.0.0/8",))
    _, eid = _install_leaf(ctx, pki, f"http://127.0.0.1:{port}/ocsp")
    run_revocation_checks(ctx, force=True)
    st = revocation_status_of(ctx, eid)
    assert _Internal.hits == ["POST"]
    # The URL names a random port (it may contain "404"): look at what follows it.
    told = st.detail.split(": ", 1)[-1]
    assert st.status == "error" and "404" not in told and "HTTP" not in told
    assert "reason: refused" in st.detail
    _, closed = _install_leaf(ctx, pki, "http://127.0.0.1:9/ocsp")  # nobody listens
    run_revocation_checks(ctx, force=True, entry_ids=[closed])
    st = revocation_status_of(ctx, closed)
    assert "Connection refused" not in st.detail and "Errno" not in st.detail
    assert "reason: unreachable" in st.detail


def test_every_resolved_address_is_checked() -> None:
    from certyard.monitor.egress import Blocked, EgressPolicy, check_destination

    public, private = ipaddress.ip_address("192.0.2.10"), ipaddress.ip_address("10.1.2.3")
    with pytest.raises(Blocked) as info:  # one private address among public ones
        check_destination("http://ocsp.example.net/", EgressPolicy(),
                          addresses=[ipaddress.ip_address("8.8.8.8"), private])
    assert info.value.code == "not_allowed"
    for addr in (public, ipaddress.ip_address("169.254.169.254"),
                 ipaddress.ip_address("::1"), ipaddress.ip_address("fd00::1")):
        with pytest.raises(Blocked):
            check_destination("http://ocsp.example.net/", EgressPolicy(), addresses=[addr])
    target = check_destination("http://ocsp.example.net:8080/a?b", EgressPolicy(),
                               addresses=[ipaddress.ip_address("8.8.8.8")])
    assert target.url == "http://8.8.8.8:8080/a?b"  # connect to the checked address
    assert target.host_header == "ocsp.example.net:8080"
    allowed = EgressPolicy(allowed=(".corp.example", "10.0.0.0/8"))
    check_destination("http://ocsp.corp.example/", allowed, addresses=[private])
    check_destination("http://other.example/", allowed, addresses=[private])


def test_allow_list_setting_is_validated(rev: Any, cli: Any) -> None:
    ctx, _ = rev
    with pytest.raises(InvalidInput, match="CIDR"):
        update_revocation_settings(ctx, allowed_destinations=("10.0.0.0/33",))
    with pytest.raises(InvalidInput, match="CIDR"):
        update_revocation_settings(ctx, allowed_destinations=("http://x/",))
    r = cli("monitor", "revocation", "set", "--allow-destination", "10.0.0.0/8",
            "--allow-destination", ".Corp.Example", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["allowed_destinations"] == ["10.0.0.0/8", ".corp.example"]
