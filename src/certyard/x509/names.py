"""Names that may go into a certificate: common names, DNS names, IP addresses.

Hostile strings are refused rather than cleaned: control characters, invisible or
direction-changing code points, and characters that look like ASCII but are not
(confusables) in what must be an ASCII host name.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from certyard.errors import InvalidName

__all__ = [
    "SubjectFields",
    "check_common_name",
    "check_dns_name",
    "check_no_wildcard",
    "parse_san",
    "san_strings",
]

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_MAX_CN = 64  # RFC 5280 ub-common-name


def _bad_char(text: str) -> str | None:
    if text.isascii() and text.isprintable():  # the usual name: no control character
        return None
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
    if not cn.isascii():
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


# RFC 5280 Appendix A upper bounds; the country is ISO 3166 alpha-2.
_SUBJECT_FIELDS: dict[str, tuple[str, Any, int]] = {
    "organization": ("O", NameOID.ORGANIZATION_NAME, 64),
    "organizational_unit": ("OU", NameOID.ORGANIZATIONAL_UNIT_NAME, 64),
    "locality": ("L", NameOID.LOCALITY_NAME, 128),
    "state": ("ST", NameOID.STATE_OR_PROVINCE_NAME, 128),
    "country": ("C", NameOID.COUNTRY_NAME, 2),
}


@dataclass(frozen=True, kw_only=True)
class SubjectFields:
    """Organisation and geographic attributes of a CSR subject (seed 000 step 12, seed 003:
    "Country, State or province, Organization name"). Checked at construction: printable
    text, no control or invisible characters, RFC 5280 lengths, C two upper-case letters."""

    organization: str = ""
    organizational_unit: str = ""
    locality: str = ""
    state: str = ""
    country: str = ""

    def __post_init__(self) -> None:
        for attr, (short, _oid, limit) in _SUBJECT_FIELDS.items():
            value = getattr(self, attr)
            if not isinstance(value, str):
                raise TypeError(f"{attr} must be text")
            if not value:
                continue
            option = f"--{attr.replace('_', '-')}"
            bad = _bad_char(value)
            if bad:
                raise InvalidName(f"{option} contains the control or invisible character "
                                  f"{bad}", field=attr)
            if value != value.strip():
                raise InvalidName(f"{option} has leading or trailing spaces", field=attr)
            if attr != "country" and len(value) > limit:
                raise InvalidName(f"{option} ({short}) is longer than {limit} characters "
                                  "(RFC 5280)", field=attr)
        if self.country and not re.fullmatch(r"[A-Z]{2}", self.country):
            raise InvalidName(f"--country {self.country!r} must be a two-letter ISO 3166 code "
                              "in capitals, e.g. US or DE", field="country")

    def attributes(self) -> list[x509.NameAttribute[str]]:
        """Subject attributes in the usual order after the CN: OU, O, L, ST, C."""
        order = ("organizational_unit", "organization", "locality", "state", "country")
        return [x509.NameAttribute(_SUBJECT_FIELDS[a][1], getattr(self, a))
                for a in order if getattr(self, a)]

    def merged(self, other: SubjectFields) -> SubjectFields:
        """These fields, with blanks filled from ``other`` (the cluster's defaults)."""
        mine = asdict(self)
        return SubjectFields(**{k: v or getattr(other, k) for k, v in mine.items()})

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubjectFields:
        return cls(**{k: str(data.get(k) or "") for k in _SUBJECT_FIELDS})


def check_no_wildcard(name: str, *, field: str) -> None:
    """Seed 003: wildcard certificates are not supported for the cluster's services."""
    if "*" in name:
        raise InvalidName(f"{name!r}: wildcard certificates are not supported (seed: use one "
                          "multi-server certificate naming every node instead)", field=field)


def check_dns_name(name: str, *, field: str = "san", wildcard: bool = True) -> str:
    bad = _bad_char(name)
    if bad:
        raise InvalidName(f"DNS name contains the control or invisible character {bad}",
                          field=field)
    if not name.isascii():
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
