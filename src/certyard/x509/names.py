"""Names that may go into a certificate: common names, DNS names, IP addresses.

Hostile strings are refused rather than cleaned: control characters, invisible or
direction-changing code points, and characters that look like ASCII but are not
(confusables) in what must be an ASCII host name.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from cryptography import x509

from certyard.errors import InvalidName

__all__ = [
    "check_common_name",
    "check_dns_name",
    "parse_san",
    "san_strings",
]

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_MAX_CN = 64  # RFC 5280 ub-common-name


def _bad_char(text: str) -> str | None:
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            return f"U+{ord(ch):04X}"
    return None


def check_common_name(cn: str, *, field: str = "cn") -> str:
    if not isinstance(cn, str) or not cn.strip():
        raise InvalidName("common name is empty", field=field)
    bad = _bad_char(cn)
    if bad:
        raise InvalidName(f"common name contains the control or invisible character {bad}",
                          field=field)
    if len(cn) > _MAX_CN:
        raise InvalidName(f"common name is longer than {_MAX_CN} characters", field=field)
    if any(ord(c) > 127 for c in cn):
        # A CN is matched against host names by clients; non-ASCII letters that look like
        # ASCII ones are the classic spoof. Internationalised names go in as A-labels.
        for ch in cn:
            if ord(ch) > 127 and unicodedata.category(ch).startswith(("L", "N", "S", "P")):
                raise InvalidName(
                    f"common name contains the non-ASCII character {ch!r} "
                    f"(U+{ord(ch):04X}); write internationalised names as xn-- A-labels",
                    field=field,
                )
    if cn != cn.strip():
        raise InvalidName("common name has leading or trailing spaces", field=field)
    return cn


def check_dns_name(name: str, *, field: str = "san", wildcard: bool = True) -> str:
    bad = _bad_char(name)
    if bad:
        raise InvalidName(f"DNS name contains the control or invisible character {bad}",
                          field=field)
    if any(ord(c) > 127 for c in name):
        raise InvalidName(
            f"DNS name {name!r} is not ASCII; write it as xn-- A-labels", field=field
        )
    host = name[:-1] if name.endswith(".") else name
    if not host or len(host) > 253:
        raise InvalidName(f"{name!r} is not a valid DNS name (length)", field=field)
    labels = host.split(".")
    if wildcard and labels[0] == "*" and len(labels) > 2:
        labels = labels[1:]
    for label in labels:
        if not _LABEL.match(label):
            raise InvalidName(f"{name!r} is not a valid DNS name (label {label!r})",
                              field=field)
    if all(label.isdigit() for label in labels):
        raise InvalidName(f"{name!r} looks like an IP address, not a DNS name", field=field)
    return host.lower()


def parse_san(value: str, *, field: str = "san") -> x509.GeneralName:
    """'host.example.com', 'DNS:host', 'IP:192.0.2.1', or a bare IP address."""
    text = value.strip()
    if text[:3].upper() == "IP:":
        try:
            return x509.IPAddress(ipaddress.ip_address(text[3:].strip()))
        except ValueError:
            raise InvalidName(f"{text[3:]!r} is not an IP address", field=field) from None
    if text[:4].upper() == "DNS:":
        text = text[4:].strip()
    try:
        return x509.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        pass
    return x509.DNSName(check_dns_name(text, field=field))


def san_strings(names: list[x509.GeneralName] | x509.SubjectAlternativeName) -> list[str]:
    out: list[str] = []
    for gn in names:
        if isinstance(gn, x509.DNSName):
            out.append(f"DNS:{gn.value}")
        elif isinstance(gn, x509.IPAddress):
            out.append(f"IP:{gn.value}")
        elif isinstance(gn, x509.RFC822Name):
            out.append(f"email:{gn.value}")
        elif isinstance(gn, x509.UniformResourceIdentifier):
            out.append(f"URI:{gn.value}")
        else:
            out.append(type(gn).__name__)
    return out
