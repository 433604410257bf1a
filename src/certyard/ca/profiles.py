"""Issuance profiles and the name policy.

A profile decides key usage, extended key usage, validity and which names a certificate
may carry; the CSR only proposes a subject and SANs, and nothing else from it is copied.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certyard.errors import InvalidInput, InvalidName, PolicyViolation, WeakAlgorithm
from certyard.x509 import check_common_name, check_dns_name

__all__ = ["CALLERS", "PROFILES", "Profile", "allowed_subject", "check_key",
           "check_profile_for_caller", "checked_sans", "get_profile", "key_kind",
           "profiles_for_caller"]

# Subject attributes a request may propose; anything else is refused, not dropped silently.
_SUBJECT_OIDS = {
    NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME,
    NameOID.COUNTRY_NAME, NameOID.STATE_OR_PROVINCE_NAME, NameOID.LOCALITY_NAME,
}
_EC_CURVES = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}


@dataclass(frozen=True, kw_only=True)
class Profile:
    name: str
    description: str
    eku: tuple[x509.ObjectIdentifier, ...]
    default_days: int
    max_days: int
    needs_san: bool = True  # server certificates: a DNS/IP name is required
    ca: bool = False
    ocsp_nocheck: bool = False

    def key_usage(self, public_key: Any) -> x509.KeyUsage:
        """RSA: Digital Signature, Key Encipherment, Data Encipherment (the seed's set);
        EC keys cannot encipher, so Digital Signature and Key Agreement. OCSP signers and
        sub-CAs get exactly what they sign with."""
        return self.key_usage_for(key_kind(public_key))

    def key_usage_for(self, kind: str) -> x509.KeyUsage:
        """:meth:`key_usage` for a key of ``kind`` (:func:`key_kind`)."""
        leaf = not self.ca and self.name != "ocsp"
        return x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=leaf and kind == "rsa", data_encipherment=leaf and kind == "rsa",
            key_agreement=leaf and kind == "ec", key_cert_sign=self.ca, crl_sign=self.ca,
            encipher_only=False, decipher_only=False)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "eku": [o.dotted_string for o in self.eku], "default_days": self.default_days,
                "max_days": self.max_days, "ca": self.ca}


def key_kind(public_key: Any) -> str:
    """"rsa", "ec" or "other": what decides a profile's key usage."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "rsa"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "ec"
    return "other"


_S, _C = ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH
PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile(name="server-client", description="TLS Web Server and Client Authentication",
            eku=(_S, _C), default_days=397, max_days=825),
    Profile(name="server", description="TLS Web Server Authentication",
            eku=(_S,), default_days=397, max_days=825),
    Profile(name="client", description="TLS Web Client Authentication",
            eku=(_C,), default_days=397, max_days=825, needs_san=False),
    Profile(name="ocsp", description="Delegated OCSP signing (id-kp-OCSPSigning, ocsp-nocheck)",
            eku=(ExtendedKeyUsageOID.OCSP_SIGNING,), default_days=30, max_days=90,
            needs_san=False, ocsp_nocheck=True),
    Profile(name="sub-ca", description="Subordinate CA (pathLen 0)", eku=(),
            default_days=1825, max_days=3650, needs_san=False, ca=True),
)}


# Who asks for a certificate decides which profiles it may have: over the network (REST
# API, web UI) only end-entity profiles; a sub-CA or a delegated OCSP signer would escape
# the name policy or vouch for every certificate, so those stay with the host
# administrator (the CLI on the CA's host).
CALLERS = ("host", "remote")


def check_profile_for_caller(profile: Profile, caller: str) -> None:
    if caller not in CALLERS:
        raise ValueError(f"caller must be one of {CALLERS}, not {caller!r}")
    if caller == "remote" and (profile.ca or profile.ocsp_nocheck):
        raise InvalidInput(f"the {profile.name} profile is issued only by the host "
                           "administrator (certyard ca on the CA host), not over the network",
                           field="profile")


def profiles_for_caller(caller: str) -> list[str]:
    """The profile names ``caller`` may ask for (over the network: end-entity only)."""
    return [p.name for p in PROFILES.values()
            if caller != "remote" or not (p.ca or p.ocsp_nocheck)]


def get_profile(name: str, caller: str = "host") -> Profile:
    """The profile called ``name``; an unknown name is a wrong value of the request's
    ``profile`` field, refused naming only the profiles ``caller`` may ask for."""
    profile = PROFILES.get(name)
    if profile is None:
        if caller not in CALLERS:
            raise ValueError(f"caller must be one of {CALLERS}, not {caller!r}")
        raise InvalidInput(f"there is no profile {name!r}; use "
                           f"{', '.join(profiles_for_caller(caller))}", field="profile")
    return profile


def check_key(public_key: Any) -> tuple[str, int]:
    """RSA of at least 2048 bits or EC P-256/P-384/P-521; anything else is refused."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < 2048:
            raise WeakAlgorithm(f"an RSA-{public_key.key_size} key is below the CA minimum "
                                "of RSA-2048")
        if public_key.key_size > 8192:
            raise WeakAlgorithm(f"an RSA-{public_key.key_size} key is larger than supported")
        return "RSA", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        size = _EC_CURVES.get(public_key.curve.name)
        if size is None:
            raise WeakAlgorithm(f"EC curve {public_key.curve.name} is not supported "
                                "(P-256, P-384, P-521)")
        return "EC", size
    raise WeakAlgorithm(f"{_key_type(public_key)} keys are not supported; use RSA or EC")


def _key_type(public_key: Any) -> str:
    """The algorithm's usual name (Ed25519, Ed448, DSA...), not a Python class name."""
    for kind, name in ((ed25519.Ed25519PublicKey, "Ed25519"), (ed448.Ed448PublicKey, "Ed448"),
                       (dsa.DSAPublicKey, "DSA"), (x25519.X25519PublicKey, "X25519"),
                       (x448.X448PublicKey, "X448")):
        if isinstance(public_key, kind):
            return name
    return type(public_key).__name__.lstrip("_").removesuffix("PublicKey") or "these"


def allowed_subject(csr: x509.CertificateSigningRequest) -> x509.Name:
    """The CSR's subject, if every attribute is one the policy allows."""
    for attr in csr.subject:
        if attr.oid not in _SUBJECT_OIDS:
            raise PolicyViolation(f"subject attribute {attr.oid._name or attr.oid.dotted_string}"
                                  " is not allowed", rule="subject_attributes",
                                  value=attr.oid.dotted_string)
    return csr.subject


def _domain_allowed(name: str, domains: list[str]) -> bool:
    if not domains:
        return True
    bare = name.removeprefix("*.")
    return any(bare == d or bare.endswith("." + d) for d in domains)


def checked_sans(
    csr: x509.CertificateSigningRequest, profile: Profile, *, allowed_domains: list[str],
    allow_wildcards: bool, allowed_networks: list[str] | None = None,
    allow_ip: bool = True,
) -> list[x509.GeneralName]:
    """The DNS and IP names of the CSR that the name policy allows. Every name in the
    certificate passes: each SAN, and the CN. The CN, when it is a DNS name, is added to
    the SANs (RFC 6125 clients look only at SANs).

    IP addresses have their own allow-list (``allowed_networks``, CIDR): with networks
    set, an IP must lie in one; with none set, IPs are refused as soon as a domain policy
    is set (a domain policy says which hosts may be named, and an IP names none of them)."""
    networks = _networks(allowed_networks or [])
    try:
        ext = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        proposed = list(ext.value)
    except x509.ExtensionNotFound:
        proposed = []
    cns = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    names: list[x509.GeneralName] = []
    for gn in proposed:
        if isinstance(gn, x509.DNSName):
            names.append(x509.DNSName(_check_dns(gn.value, allowed_domains, allow_wildcards)))
        elif isinstance(gn, x509.IPAddress):
            if not allow_ip:
                raise PolicyViolation("IP address names are not allowed", rule="ip_names",
                                      value=str(gn.value))
            names.append(x509.IPAddress(_check_ip(gn.value, allowed_domains, networks)))
        else:
            raise PolicyViolation(f"{type(gn).__name__} subject alternative names are not "
                                  "allowed; only DNS and IP", rule="san_types")
    host_cert = ExtendedKeyUsageOID.SERVER_AUTH in profile.eku
    for cn in cns:
        if not isinstance(cn, str) or not cn:
            continue
        cand = _cn_name(cn, host_cert=host_cert and not profile.ca)
        if isinstance(cand, x509.IPAddress):
            if not allow_ip:
                raise PolicyViolation("IP address names are not allowed", rule="ip_names",
                                      value=cn)
            cand = x509.IPAddress(_check_ip(cand.value, allowed_domains, networks))
        elif isinstance(cand, x509.DNSName):
            if x509.DNSName(cand.value.lower().rstrip(".")) in names:
                continue  # already checked as a SAN
            if "." not in cand.value.rstrip(".") and not host_cert:
                continue  # a single label (a client's user name): subject only
            checked = _check_dns(cand.value, allowed_domains, allow_wildcards)
            if "." not in checked:
                continue  # a single-label host name: checked, kept in the subject only
            cand = x509.DNSName(checked)
        else:
            continue  # free text (a person's or a CA's name): stays in the subject only
        if cand not in names:
            names.insert(0, cand)
    if profile.needs_san and not names:
        raise PolicyViolation(f"the {profile.name} profile needs a DNS or IP name (CN or SAN)",
                              rule="san_required")
    if len(names) > 100:
        raise InvalidInput("at most 100 subject alternative names", field="san")
    return names


# Characters that make a CN read as (part of) a host name, URL or path: such a CN must be
# a valid DNS name or IP address, or a TLS client matching the CN could be misled.
_HOSTISH = frozenset("./\\:@*?#[]%")


def _cn_name(cn: str, *, host_cert: bool) -> x509.GeneralName | None:
    """What the CN names: an IP, a DNS name, or None for free text. A CN that is neither
    and looks like a host name (or any CN of a server certificate that is not a plain
    phrase) is refused with the reason."""
    check_common_name(cn)  # control/invisible characters, spaces at either end, length
    if ":" in cn or not cn.strip("0123456789."):  # an IPv6 or IPv4 address, if any
        try:
            return x509.IPAddress(ipaddress.ip_address(cn))
        except ValueError:
            pass
    if _looks_like_dns(cn):
        return x509.DNSName(cn)
    if any(ch in _HOSTISH for ch in cn) or (host_cert and " " not in cn.strip()):
        raise InvalidName(f"the common name {cn!r} is neither a valid DNS name nor an IP "
                          "address", field="cn")
    return None


def _networks(texts: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(t, strict=False) for t in texts]


def _check_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address | Any, domains: list[str],
              networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> Any:
    if not isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
        raise PolicyViolation("IP address ranges are not allowed as names", rule="ip_names",
                              value=str(ip))
    if networks:
        if any(ip.version == n.version and ip in n for n in networks):
            return ip
        raise PolicyViolation(f"the IP address {ip} is outside the allowed networks "
                              f"({', '.join(map(str, networks))})", rule="allowed_networks",
                              value=str(ip))
    if domains:
        raise PolicyViolation(f"the IP address {ip} is not allowed: a domain policy is set "
                              "and no IP networks are allowed (ca config --allowed-network)",
                              rule="allowed_networks", value=str(ip))
    return ip


def _looks_like_dns(text: str) -> bool:
    try:
        check_dns_name(text)
        return True
    except Exception:
        return False


def _check_dns(name: str, domains: list[str], allow_wildcards: bool) -> str:
    lowered = name.lower().rstrip(".")
    if lowered.startswith("*."):
        if not allow_wildcards:
            raise PolicyViolation(f"wildcard name {name} is not allowed", rule="wildcards",
                                  value=name)
        check_dns_name(lowered[2:])
    else:
        check_dns_name(lowered)
    if not _domain_allowed(lowered, domains):
        raise PolicyViolation(f"the name {name} is outside the allowed domains "
                              f"({', '.join(domains)})", rule="allowed_domains", value=name)
    return lowered
