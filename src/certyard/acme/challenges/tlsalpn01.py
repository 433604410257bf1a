"""tls-alpn-01 (RFC 8737; IP identifiers RFC 8738 §6): a TLS handshake with the
identifier's own address on the TLS port, ALPN ``acme-tls/1`` and SNI the name (for an
IP, its reverse-DNS name). The certificate presented must hold exactly one subjectAltName
entry, the identifier, and a critical id-pe-acmeIdentifier extension whose value is the
SHA-256 of the key authorization."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import ssl
import time

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

from certyard.acme.challenges.addresses import normalise_identifier, target_addresses
from certyard.acme.challenges.config import ChallengeFailed, ValidationConfig

__all__ = ["ACME_IDENTIFIER_OID", "ALPN_PROTOCOL", "acme_identifier_value", "sni_name",
           "validate_tlsalpn01"]

ACME_IDENTIFIER_OID = ObjectIdentifier("1.3.6.1.5.5.7.1.31")
ALPN_PROTOCOL = "acme-tls/1"


def acme_identifier_value(key_authorization: str) -> bytes:
    """The DER of the extension's value: an OCTET STRING of the 32-byte digest."""
    return b"\x04\x20" + hashlib.sha256(key_authorization.encode("ascii")).digest()


def sni_name(identifier_type: str, value: str) -> str:
    if identifier_type == "ip":
        return ipaddress.ip_address(value).reverse_pointer
    return value


def _handshake(sock: socket.socket, sni: str) -> tuple[str | None, bytes]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the certificate is self-signed by design
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols([ALPN_PROTOCOL])
    with context.wrap_socket(sock, server_hostname=sni) as tls:
        der = tls.getpeercert(binary_form=True) or b""
        return tls.selected_alpn_protocol(), der


def _check_certificate(der: bytes, identifier_type: str, name: str,
                       key_authorization: str) -> None:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise ChallengeFailed("the tls-alpn-01 certificate cannot be parsed",
                              acme_type="tls") from None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise ChallengeFailed("the tls-alpn-01 certificate has no subjectAltName",
                              acme_type="unauthorized") from None
    except ValueError:
        raise ChallengeFailed("the tls-alpn-01 certificate has malformed extensions",
                              acme_type="tls") from None
    entries = list(san)
    if identifier_type == "ip":
        wanted: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
    else:
        wanted = x509.DNSName(name)
    if len(entries) != 1 or not _same_name(entries[0], wanted):
        raise ChallengeFailed(f"the tls-alpn-01 certificate's subjectAltName is not exactly "
                              f"{name}", acme_type="unauthorized")
    try:
        ext = cert.extensions.get_extension_for_oid(ACME_IDENTIFIER_OID)
    except x509.ExtensionNotFound:
        raise ChallengeFailed("the tls-alpn-01 certificate has no acmeIdentifier extension",
                              acme_type="unauthorized") from None
    if not ext.critical:
        raise ChallengeFailed("the acmeIdentifier extension is not critical",
                              acme_type="unauthorized")
    value = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
    if value != acme_identifier_value(key_authorization):
        raise ChallengeFailed("the acmeIdentifier extension does not match the key "
                              "authorization", acme_type="incorrectResponse")


def _same_name(entry: x509.GeneralName, wanted: x509.GeneralName) -> bool:
    if isinstance(entry, x509.DNSName) and isinstance(wanted, x509.DNSName):
        return entry.value.lower().rstrip(".") == wanted.value
    return entry == wanted


def validate_tlsalpn01(identifier_type: str, identifier_value: str, token: str,
                       key_authorization: str, cfg: ValidationConfig) -> None:
    name = normalise_identifier(identifier_type, identifier_value)
    if name.startswith("*."):
        raise ChallengeFailed("tls-alpn-01 cannot validate a wildcard name",
                              acme_type="rejectedIdentifier")
    addresses = target_addresses("ip" if identifier_type == "ip" else "dns", name, cfg)
    sni = sni_name(identifier_type, name)
    deadline = time.monotonic() + cfg.timeout
    for addr in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            sock = socket.create_connection((str(addr), cfg.tlsalpn_port), timeout=remaining)
        except TimeoutError:
            raise ChallengeFailed(f"timeout connecting to {name} ({addr}) port "
                                  f"{cfg.tlsalpn_port}", acme_type="connection") from None
        except OSError:
            continue  # refused or unreachable: the next address may answer
        try:
            with sock:
                alpn, der = _handshake(sock, sni)
        except TimeoutError:
            raise ChallengeFailed(f"timeout in the TLS handshake with {name} ({addr}) port "
                                  f"{cfg.tlsalpn_port}", acme_type="connection") from None
        except ssl.SSLError as exc:
            raise ChallengeFailed(f"TLS handshake with {name} ({addr}) port "
                                  f"{cfg.tlsalpn_port} failed: {exc.reason or exc}",
                                  acme_type="tls") from None
        except OSError as exc:
            raise ChallengeFailed(f"TLS handshake with {name} ({addr}) port "
                                  f"{cfg.tlsalpn_port} failed: {exc.strerror or exc}",
                                  acme_type="tls") from None
        if alpn != ALPN_PROTOCOL:
            raise ChallengeFailed(f"{name} ({addr}) did not negotiate ALPN "
                                  f"{ALPN_PROTOCOL}", acme_type="tls")
        _check_certificate(der, identifier_type, name, key_authorization)
        return
    raise ChallengeFailed(f"could not connect to {name} at "
                          f"{', '.join(map(str, addresses))} port {cfg.tlsalpn_port}",
                          acme_type="connection")
