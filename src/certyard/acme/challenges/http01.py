"""http-01 (RFC 8555 §8.3): GET ``http://<identifier>:<http_port>/.well-known/acme-challenge/
<token>`` at the identifier's own addresses; the body, less trailing white space, must be
the key authorization.

The URL is built from the identifier and the server's token, never taken from the client.
Redirects are followed (as the RFC allows) at most ``MAX_REDIRECTS`` times, only to
``http`` on the http-01 port or ``https`` on the TLS port, and every host they name is
resolved and checked against the allowed networks like the identifier itself. At most
``MAX_BODY`` bytes are read.
"""

from __future__ import annotations

import ssl
import time
import urllib.parse

import httpx

from certyard.acme.challenges.addresses import (
    IPAddress,
    normalise_identifier,
    target_addresses,
)
from certyard.acme.challenges.config import ChallengeFailed, ValidationConfig

__all__ = ["MAX_BODY", "MAX_REDIRECTS", "validate_http01"]

MAX_BODY = 8192
MAX_REDIRECTS = 10
_WHITESPACE = b" \t\r\n"


def _authority(host: str, port: int, default: int) -> str:
    text = f"[{host}]" if ":" in host else host
    return text if port == default else f"{text}:{port}"


def _address_url(addr: IPAddress, scheme: str, port: int, path: str) -> str:
    host = f"[{addr}]" if addr.version == 6 else str(addr)
    return f"{scheme}://{host}:{port}{path}"


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _Fetch:
    """One GET at one (host, address, port); ``None`` from :meth:`run` means the
    connection could not be made and the next address may be tried."""

    def __init__(self, client: httpx.Client, deadline: float) -> None:
        self.client = client
        self.deadline = deadline

    def get(self, scheme: str, host: str, addr: IPAddress, port: int, path: str
            ) -> tuple[int, str | None, bytes] | None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ChallengeFailed(f"timeout fetching {scheme}://{host}{path}",
                                  acme_type="connection")
        default = 80 if scheme == "http" else 443
        headers = {"Host": _authority(host, port, default)}
        # Connected by address (checked against the allowed networks), named by host.
        extensions = {"sni_hostname": host} if scheme == "https" else {}
        url = _address_url(addr, scheme, port, path)
        try:
            with self.client.stream("GET", url, headers=headers, timeout=remaining,
                                    extensions=extensions) as response:
                location = response.headers.get("location")
                body = bytearray()
                if response.status_code == 200:
                    for chunk in response.iter_raw():
                        body.extend(chunk)
                        if len(body) > MAX_BODY:
                            raise ChallengeFailed(
                                f"response from {host} is larger than {MAX_BODY} bytes",
                                acme_type="incorrectResponse")
                return response.status_code, location, bytes(body)
        except httpx.ConnectError as exc:
            if scheme == "https" and _is_tls_error(exc):
                raise ChallengeFailed(f"TLS problem with {host} ({addr}): {exc}",
                                      acme_type="tls") from None
            return None
        except httpx.TimeoutException:
            raise ChallengeFailed(f"timeout fetching {scheme}://{host}:{port}{path} "
                                  f"({addr})", acme_type="connection") from None
        except httpx.HTTPError as exc:
            raise ChallengeFailed(f"fetching {scheme}://{host}:{port}{path} ({addr}) "
                                  f"failed: {type(exc).__name__}: {exc}",
                                  acme_type="connection") from None


def _follow(location: str, base: str, cfg: ValidationConfig) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of a redirect, or ``ChallengeFailed`` if the RFC's
    limits refuse it."""
    target = urllib.parse.urlsplit(urllib.parse.urljoin(base, location))
    if target.scheme not in ("http", "https"):
        raise ChallengeFailed(f"redirect to a {target.scheme or 'relative'} URL refused",
                              acme_type="connection")
    try:
        port = target.port or (80 if target.scheme == "http" else 443)
    except ValueError:
        raise ChallengeFailed("redirect to an invalid port refused",
                              acme_type="connection") from None
    allowed = cfg.http_port if target.scheme == "http" else cfg.tlsalpn_port
    if port != allowed or not target.hostname or target.username or target.password:
        raise ChallengeFailed(f"redirect to {target.scheme}://{target.netloc} refused: only "
                              f"http on port {cfg.http_port} or https on port "
                              f"{cfg.tlsalpn_port}", acme_type="connection")
    path = target.path or "/"
    if target.query:
        path += "?" + target.query
    return target.scheme, target.hostname, port, path


def validate_http01(identifier_type: str, identifier_value: str, token: str,
                    key_authorization: str, cfg: ValidationConfig) -> None:
    name = normalise_identifier(identifier_type, identifier_value)
    if name.startswith("*."):
        raise ChallengeFailed("http-01 cannot validate a wildcard name",
                              acme_type="rejectedIdentifier")
    deadline = time.monotonic() + cfg.timeout
    scheme, host, port = "http", name, cfg.http_port
    path = f"/.well-known/acme-challenge/{token}"
    kind = "ip" if identifier_type == "ip" else "dns"
    with httpx.Client(trust_env=False, follow_redirects=False,
                      verify=False,  # noqa: S501 - RFC 8555: the target's certificate is not checked
                      timeout=cfg.timeout,
                      headers={"User-Agent": "certyard-acme-validator",
                               "Accept": "*/*", "Accept-Encoding": "identity",
                               "Connection": "close"},
                      limits=httpx.Limits(max_connections=1, max_keepalive_connections=0),
                      ) as client:
        fetch = _Fetch(client, deadline)
        for hop in range(MAX_REDIRECTS + 1):
            addresses = target_addresses(kind, host, cfg)
            result = None
            for addr in addresses:
                result = fetch.get(scheme, host, addr, port, path)
                if result is not None:
                    break
            if result is None:
                raise ChallengeFailed(
                    f"could not connect to {host} at {', '.join(map(str, addresses))} "
                    f"port {port}", acme_type="connection")
            status, location, body = result
            if status in (301, 302, 303, 307, 308) and location:
                if hop == MAX_REDIRECTS:
                    break
                base = f"{scheme}://{_authority(host, port, 0)}{path}"
                scheme, host, port, path = _follow(location, base, cfg)
                kind = "dns"
                try:
                    kind = "ip" if normalise_identifier("ip", host) else "dns"
                except ChallengeFailed:
                    host = normalise_identifier("dns", host)
                continue
            if status != 200:
                raise ChallengeFailed(
                    f"{scheme}://{_authority(host, port, 0)}{path} answered HTTP {status}",
                    acme_type="unauthorized")
            if body.rstrip(_WHITESPACE) != key_authorization.encode("ascii"):
                raise ChallengeFailed(
                    f"the response from {host} is not the key authorization for token "
                    f"{token}", acme_type="incorrectResponse")
            return
    raise ChallengeFailed(f"more than {MAX_REDIRECTS} redirects", acme_type="connection")
