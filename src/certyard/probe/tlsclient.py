"""Raw TLS handshakes against one endpoint: the presented chain, the negotiated version and
cipher, and which of TLS 1.0 to 1.3 the endpoint accepts. No database.

The client accepts everything on purpose (``CERT_NONE``, ``ALL:@SECLEVEL=0``): OpenSSL 3
at its default security level would refuse TLS 1.0/1.1 and SHA-1 handshakes, and then a
weak endpoint could not be reported as weak. Judging the chain is done afterwards, by
:mod:`certyard.probe.verify`.
"""

from __future__ import annotations

import functools
import socket
import ssl
import warnings
from dataclasses import dataclass, field

from cryptography import x509

__all__ = ["STARTTLS", "VERSIONS", "Handshake", "handshake", "parse_target", "versions_accepted"]

VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
            "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
STARTTLS = ("smtp", "imap", "ldap")
_VERSION_NAMES = {"TLSv1": "1.0", "TLSv1.1": "1.1", "TLSv1.2": "1.2", "TLSv1.3": "1.3"}
# LDAPv3 ExtendedRequest for StartTLS (RFC 4511 4.14.1), message id 1.
_LDAP_STARTTLS = bytes.fromhex("301d02010177188016") + b"1.3.6.1.4.1.1466.20037"


@dataclass(frozen=True, kw_only=True)
class Handshake:
    version: str
    cipher: str
    chain: list[x509.Certificate] = field(default_factory=list)


def parse_target(target: str) -> tuple[str, int]:
    from certyard.errors import InvalidInput

    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInput(f"{target!r} is not HOST:PORT", field="target")
    return host.strip("[]"), int(port)


@functools.lru_cache(maxsize=8)
def _client_context(version: str | None) -> ssl.SSLContext:
    """One context per version, shared by all threads (wrap_socket is thread-safe)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        # TLS 1.0/1.1 are deprecated in Python; enumerating them is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = VERSIONS[version] if version else ssl.TLSVersion.TLSv1
        ctx.maximum_version = VERSIONS[version] if version else ssl.TLSVersion.TLSv1_3
    return ctx


def _recv_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n") and len(data) < 8192:
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def _starttls(sock: socket.socket, protocol: str) -> None:
    """Bring a plain connection to the point where the TLS handshake starts."""
    if protocol == "smtp":
        while not (line := _recv_line(sock))[3:4] == b" " and line:
            pass
        sock.sendall(b"EHLO certyard.probe\r\n")
        while not (line := _recv_line(sock))[3:4] == b" " and line:
            pass
        sock.sendall(b"STARTTLS\r\n")
        line = _recv_line(sock)
        if not line.startswith(b"220"):
            raise ConnectionError(f"SMTP server refused STARTTLS: {line[:80]!r}")
    elif protocol == "imap":
        _recv_line(sock)
        sock.sendall(b"a1 STARTTLS\r\n")
        while (line := _recv_line(sock)) and not line.startswith(b"a1 "):
            pass
        if not line.startswith(b"a1 OK"):
            raise ConnectionError(f"IMAP server refused STARTTLS: {line[:80]!r}")
    elif protocol == "ldap":
        sock.sendall(_LDAP_STARTTLS)
        reply = sock.recv(4096)
        # resultCode is the first ENUMERATED (0x0a 0x01 N) in the ExtendedResponse.
        idx = reply.find(b"\x0a\x01")
        if idx < 0 or reply[idx + 2] != 0:
            raise ConnectionError("LDAP server refused StartTLS")


def handshake(host: str, port: int, *, sni: str | None = None, version: str | None = None,
              starttls: str | None = None, timeout: float = 5.0) -> Handshake:
    """One handshake; raises OSError/ssl.SSLError when the endpoint refuses it."""
    ctx = _client_context(version)
    with socket.create_connection((host, port), timeout=timeout) as raw:
        if starttls:
            _starttls(raw, starttls)
        with ctx.wrap_socket(raw, server_hostname=sni) as tls:
            chain: list[x509.Certificate] = []
            sslobj = getattr(tls, "_sslobj", None)
            getter = getattr(sslobj, "get_unverified_chain", None)
            if getter is not None:  # Python 3.10–3.12 private API; public in 3.13
                for c in getter() or []:
                    chain.append(x509.load_der_x509_certificate(
                        c.public_bytes(ssl._ssl.ENCODING_DER)))  # type: ignore[attr-defined]
            else:
                der = tls.getpeercert(binary_form=True)
                if der:
                    chain.append(x509.load_der_x509_certificate(der))
            cipher = tls.cipher()
            return Handshake(version=_VERSION_NAMES.get(tls.version() or "", "?"),
                             cipher=cipher[0] if cipher else "", chain=chain)


def versions_accepted(host: str, port: int, *, sni: str | None = None,
                      starttls: str | None = None, timeout: float = 5.0,
                      ) -> tuple[list[str], Handshake | None]:
    """Which of TLS 1.0 to 1.3 the endpoint accepts, and the handshake a default client
    gets (for the chain, version and cipher). Connection refusal is raised, not reported.

    One full handshake offering every version: a server selects the highest version it
    shares (RFC 8446 4.2.1, and version negotiation before it), so nothing above the
    negotiated version is accepted. Each lower version is then asked with a ClientHello
    offering only it, read up to the ServerHello (:mod:`certyard.probe.hello`). When the
    all-versions handshake fails, every version is tried with a full handshake."""
    from certyard.probe.hello import accepts_version

    try:
        best = handshake(host, port, sni=sni, version=None, starttls=starttls,
                         timeout=timeout)
    except (ConnectionRefusedError, TimeoutError):
        raise
    except (OSError, ssl.SSLError, ConnectionError, ValueError):
        return _versions_by_handshake(host, port, sni=sni, starttls=starttls,
                                      timeout=timeout)
    order = list(VERSIONS)
    if best.version not in order:
        return _versions_by_handshake(host, port, sni=sni, starttls=starttls,
                                      timeout=timeout)
    accepted = [best.version]
    for v in order[:order.index(best.version)]:
        try:
            if accepts_version(host, port, v, sni=sni, starttls=starttls, timeout=timeout):
                accepted.append(v)
        except (OSError, ConnectionError, ValueError):
            continue
    return sorted(accepted), best


def _versions_by_handshake(host: str, port: int, *, sni: str | None,
                           starttls: str | None, timeout: float,
                           ) -> tuple[list[str], Handshake | None]:
    """One full handshake per version (the fallback)."""
    accepted: list[str] = []
    best: Handshake | None = None
    last_error: Exception | None = None
    for v in reversed(VERSIONS):
        try:
            hs = handshake(host, port, sni=sni, version=v, starttls=starttls, timeout=timeout)
        except (ConnectionRefusedError, TimeoutError) as exc:
            if not accepted:
                raise  # nothing listens: no point trying the other versions
            last_error = exc
            continue
        except (OSError, ssl.SSLError, ConnectionError, ValueError) as exc:
            last_error = exc
            continue
        accepted.append(v)
        best = best or hs
    if best is None and last_error is not None:
        raise last_error
    return sorted(accepted), best
