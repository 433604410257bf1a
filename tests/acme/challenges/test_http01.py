"""http-01 against real loopback HTTP servers: success for names and IPv4 addresses, and
each failure with its RFC 8555 error type."""

from __future__ import annotations

import socket

import pytest

from certyard.acme.challenges import ChallengeFailed, ValidationConfig, validate
from certyard.acme.challenges.http01 import MAX_BODY, MAX_REDIRECTS
from tests.acme.challenges.targets import (
    KEY_AUTH,
    TOKEN,
    Answer,
    alpn_certificate,
    challenge_path,
    http_target,
    name_san,
    silent_target,
)
from tests.support.ports import closed_port


def _cfg(port: int, **kw: object) -> ValidationConfig:
    return ValidationConfig(http_port=port, timeout=5.0, **kw)  # type: ignore[arg-type]


def _fails(acme_type: str, *args: object) -> ChallengeFailed:
    with pytest.raises(ChallengeFailed) as info:
        validate("http-01", *args)  # type: ignore[arg-type]
    assert info.value.acme_type == acme_type, info.value.message
    assert info.value.urn == f"urn:ietf:params:acme:error:{acme_type}"
    return info.value


def test_ipv4_identifier_validates_and_sends_the_address_as_host() -> None:
    with http_target({challenge_path(): Answer(body=KEY_AUTH.encode() + b"\r\n")}) as t:
        validate("http-01", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(t.port))
    assert t.seen == [(challenge_path(), f"127.0.0.1:{t.port}")]


def test_dns_identifier_validates_through_the_system_resolver() -> None:
    with http_target({challenge_path(): Answer(body=KEY_AUTH.encode())}) as t:
        validate("http-01", "dns", "LocalHost.", TOKEN, KEY_AUTH, _cfg(t.port))
    assert t.seen == [(challenge_path(), f"localhost:{t.port}")]


def test_ipv6_identifier_validates() -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with http_target({challenge_path(): Answer(body=KEY_AUTH.encode())}, host="::1") as t:
        validate("http-01", "ip", "::1", TOKEN, KEY_AUTH, _cfg(t.port))
    assert t.seen == [(challenge_path(), f"[::1]:{t.port}")]


def test_wrong_body_is_incorrect_response() -> None:
    with http_target({challenge_path(): Answer(body=b"someone-else." + b"x" * 43)}) as t:
        _fails("incorrectResponse", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(t.port))


def test_missing_file_is_unauthorized() -> None:
    with http_target({}) as t:
        err = _fails("unauthorized", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(t.port))
    assert "404" in err.message


def test_refused_connection_is_connection() -> None:
    with closed_port() as port:
        _fails("connection", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(port))


def test_silent_server_times_out_as_connection() -> None:
    with silent_target() as port:
        _fails("connection", "ip", "127.0.0.1", TOKEN, KEY_AUTH,
               ValidationConfig(http_port=port, timeout=1.0))


def test_garbage_reply_is_connection() -> None:
    with silent_target(b"SSH-2.0-not-http\r\n\r\n") as port:
        _fails("connection", "ip", "127.0.0.1", TOKEN, KEY_AUTH,
               ValidationConfig(http_port=port, timeout=2.0))


def test_oversized_body_is_refused() -> None:
    big = KEY_AUTH.encode() + b" " * MAX_BODY
    with http_target({challenge_path(): Answer(body=big)}) as t:
        err = _fails("incorrectResponse", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(t.port))
    assert str(MAX_BODY) in err.message


def test_redirect_on_the_same_port_is_followed() -> None:
    with http_target({challenge_path(): Answer(302, headers={"Location": "/elsewhere"}),
                      "/elsewhere": Answer(body=KEY_AUTH.encode())}) as t:
        validate("http-01", "dns", "localhost", TOKEN, KEY_AUTH, _cfg(t.port))
    assert [p for p, _ in t.seen] == [challenge_path(), "/elsewhere"]


def test_redirect_to_another_port_is_refused() -> None:
    with http_target({"/x": Answer(body=KEY_AUTH.encode())}) as other, \
            http_target({challenge_path(): Answer(
                301, headers={"Location": f"http://127.0.0.1:{0}/x"})}) as t:
        t.answers[challenge_path()].headers["Location"] = f"http://127.0.0.1:{other.port}/x"
        err = _fails("connection", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(t.port))
    assert other.seen == []
    assert "refused" in err.message


def test_redirect_to_https_on_the_tls_port_is_followed() -> None:
    # RFC 8555 §8.3 lets the target redirect to https; its certificate is not checked
    # (self-signed here), the name it is asked for is.
    cert = alpn_certificate(name_san("localhost"), with_extension=False)
    with http_target({"/moved": Answer(body=KEY_AUTH.encode())}, tls=cert) as https, \
            http_target({challenge_path(): Answer(302, headers={
                "Location": f"https://localhost:{0}/moved"})}) as t:
        t.answers[challenge_path()].headers["Location"] = f"https://localhost:{https.port}/moved"
        validate("http-01", "dns", "localhost", TOKEN, KEY_AUTH,
                 ValidationConfig(http_port=t.port, tlsalpn_port=https.port, timeout=5))
        # the same redirect when the TLS port is another one: refused, never fetched
        with pytest.raises(ChallengeFailed) as info:
            validate("http-01", "dns", "localhost", TOKEN, KEY_AUTH,
                     ValidationConfig(http_port=t.port, tlsalpn_port=443, timeout=5))
        assert info.value.acme_type == "connection"
    assert https.seen == [("/moved", f"localhost:{https.port}")]


def test_redirect_to_another_scheme_is_refused() -> None:
    with http_target({challenge_path(): Answer(
            302, headers={"Location": "ftp://127.0.0.1/x"})}) as t:
        _fails("connection", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(t.port))


def test_redirect_loop_stops() -> None:
    with http_target({challenge_path(): Answer(302, headers={
            "Location": challenge_path()})}) as t:
        err = _fails("connection", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(t.port))
    assert len(t.seen) == MAX_REDIRECTS + 1
    assert "redirects" in err.message


def test_redirect_outside_the_allowed_networks_is_not_followed() -> None:
    with http_target({challenge_path(): Answer(302, headers={
            "Location": "http://127.0.0.2/x"})}) as t:
        cfg = _cfg(t.port, allowed_networks=("127.0.0.1/32",))
        t.answers[challenge_path()].headers["Location"] = f"http://127.0.0.2:{t.port}/x"
        _fails("rejectedIdentifier", "ip", "127.0.0.1", TOKEN, KEY_AUTH, cfg)
    assert len(t.seen) == 1


def test_address_outside_allowed_networks_is_never_contacted() -> None:
    with http_target({challenge_path(): Answer(body=KEY_AUTH.encode())}) as t:
        _fails("rejectedIdentifier", "ip", "127.0.0.1", TOKEN, KEY_AUTH,
               _cfg(t.port, allowed_networks=("10.0.0.0/8",)))
        _fails("rejectedIdentifier", "dns", "localhost", TOKEN, KEY_AUTH,
               _cfg(t.port, allowed_networks=("192.0.2.0/24",)))
        assert t.seen == []
        validate("http-01", "ip", "127.0.0.1", TOKEN, KEY_AUTH,
                 _cfg(t.port, allowed_networks=("127.0.0.0/8",)))
    assert len(t.seen) == 1


def test_unknown_name_is_dns() -> None:
    _fails("dns", "dns", "no-such-host.invalid", TOKEN, KEY_AUTH, _cfg(80))


@pytest.mark.parametrize(("itype", "value"), [
    ("dns", "*.example.com"), ("dns", "bad_name!.com"), ("dns", "a..b"), ("ip", "300.1.1.1"),
    ("email", "a@b.c"), ("dns", "ex\u00e4mple.com"),
])
def test_bad_identifiers_are_rejected(itype: str, value: str) -> None:
    _fails("rejectedIdentifier", itype, value, TOKEN, KEY_AUTH, _cfg(80))


def test_token_and_key_authorization_are_checked() -> None:
    _fails("malformed", "ip", "127.0.0.1", "../../etc/passwd", KEY_AUTH, _cfg(80))
    _fails("malformed", "ip", "127.0.0.1", TOKEN, "other." + KEY_AUTH, _cfg(80))
    with pytest.raises(ChallengeFailed) as info:
        validate("http-02", "ip", "127.0.0.1", TOKEN, KEY_AUTH, _cfg(80))
    assert info.value.acme_type == "malformed"


@pytest.mark.parametrize("kwargs", [
    {"http_port": 0}, {"tlsalpn_port": 70000}, {"timeout": 0},
    {"allowed_networks": ("not-a-net",)}, {"dns_resolver": ("nowhere", 53)},
])
def test_config_rejects_bad_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ValidationConfig(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [
    {"http_port": "80"}, {"allowed_networks": ["10.0.0.0/8"]}, {"dns_resolver": "1.1.1.1"},
])
def test_config_rejects_bad_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        ValidationConfig(**kwargs)  # type: ignore[arg-type]
