"""An IPsec policy's fields (seed 001 Table 4) as a value checked at construction, so an
invalid policy cannot exist. Every rule raises InvalidInput naming the field."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from certyard.errors import InvalidInput, InvalidInputs, InvalidName
from certyard.ipsec.algorithms import DH_GROUPS, ENCRYPTION, ESP, HASHES, weak_choices

__all__ = ["AUTH_METHODS", "LIFETIME_BOUNDS", "MODES", "PEER_TYPES", "PROTOCOLS",
           "IpsecPolicySpec", "check_address"]

AUTH_METHODS = ("pre-shared-key", "certificate")
PEER_TYPES = ("same", "different")
MODES = ("transport", "tunnel")
PROTOCOLS = ("TCP", "UDP", "Any")
LIFETIME_BOUNDS = (300, 86400)  # five minutes to one day
_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_PSK = re.compile(r"^[A-Za-z0-9-]+$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FQDN = re.compile(rf"^(?=.{{1,253}}$)({_LABEL}\.)*{_LABEL}$")


def check_address(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{field.replace('_', ' ')} is required (IP address or FQDN)",
                           field=field)
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if not _FQDN.match(value) or value.replace(".", "").isdigit():
        raise InvalidInput(f"{field.replace('_', ' ')} {value!r} is neither an IP address nor "
                           "an FQDN", field=field)
    return value.lower()


def _port(value: int | None, field: str, *, optional: bool = True) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidInput(f"{field.replace('_', ' ')} must be 1-65535"
                           f"{' or any' if optional else ''}, not {value!r}", field=field)
    return value


_PORTS = ("destination_port", "source_port")
_NUMBERS = ("remote_port", "phase1_lifetime", "phase2_lifetime", "phase1_dh", "phase2_dh")
_UPPER = ("encryption_algorithm", "hash_algorithm", "esp_algorithm")
_LOWER = ("auth_method", "peer_type", "mode")
_PROTOCOL_CASE = {p.upper(): p for p in PROTOCOLS}


def _number(value: Any, field: str, *, any_ok: bool) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if any_ok and text.lower() == "any":
        return None
    if not text.isascii() or not text.isdigit():
        raise InvalidInput(f"{field.replace('_', ' ')} must be a number"
                           f"{' or any' if any_ok else ''}, not {text[:40]!r}", field=field)
    return int(text)


def _one_of(value: Any, allowed: tuple[Any, ...] | list[Any], field: str) -> Any:
    if value not in allowed:
        raise InvalidInput(f"{field.replace('_', ' ')} must be one of "
                           f"{', '.join(map(str, allowed))}, not {value!r}", field=field)
    return value


@dataclass(frozen=True, kw_only=True)
class IpsecPolicySpec:
    group_name: str
    name: str
    auth_method: str = "pre-shared-key"
    preshared_key: str | None = None  # never stored in clear, never shown back
    peer_type: str = "same"
    destination_address: str = ""
    destination_port: int | None = None
    source_address: str = ""
    source_port: int | None = None
    mode: str = "transport"
    remote_port: int = 500
    protocol: str = "Any"
    encryption_algorithm: str = "AES-256-CBC"
    hash_algorithm: str = "SHA256"
    esp_algorithm: str = "AES-256-GCM"
    phase1_lifetime: int = 28800
    phase1_dh: int = 14
    phase2_lifetime: int = 3600
    phase2_dh: int = 14
    enabled: bool = True

    def __post_init__(self) -> None:
        """Every rule, every problem at once (InvalidInputs when more than one), so a form
        shows each under its field and the CLI prints one line each."""
        problems: list[InvalidInput] = []

        def ok(check: Any, *args: Any, **kwargs: Any) -> bool:
            try:
                check(*args, **kwargs)
            except InvalidInput as exc:
                problems.append(exc)
                return False
            return True

        for f in ("group_name", "name"):
            v = getattr(self, f)
            if not isinstance(v, str) or not _NAME.match(v):
                label = "policy group name" if f == "group_name" else "policy name"
                problems.append(InvalidName(f"{label} {v!r} may contain only letters, digits "
                                            "and hyphens (1-64 characters)", field=f))
        if ok(_one_of, self.auth_method, AUTH_METHODS, "auth_method"):
            if self.auth_method == "pre-shared-key":
                if self.preshared_key is not None:
                    ok(self._check_psk, self.preshared_key)
            elif self.preshared_key:
                problems.append(InvalidInput("a pre-shared key is only used with "
                                             "pre-shared-key authentication",
                                             field="preshared_key"))
        ok(_one_of, self.peer_type, PEER_TYPES, "peer_type")
        both = True
        for f in ("destination_address", "source_address"):
            try:
                object.__setattr__(self, f, check_address(getattr(self, f), f))
            except InvalidInput as exc:
                problems.append(exc)
                both = False
        if both and self.destination_address == self.source_address:
            problems.append(InvalidInput("source and destination address are the same",
                                         field="destination_address"))
        ok(_port, self.destination_port, "destination_port")
        ok(_port, self.source_port, "source_port")
        ok(_port, self.remote_port, "remote_port", optional=False)
        ok(_one_of, self.mode, MODES, "mode")
        if ok(_one_of, self.protocol, PROTOCOLS, "protocol") and self.protocol == "Any" \
                and (self.destination_port or self.source_port):
            problems.append(InvalidInput("ports can be given only with protocol TCP or UDP",
                                         field="protocol"))
        ok(_one_of, self.encryption_algorithm, list(ENCRYPTION), "encryption_algorithm")
        ok(_one_of, self.hash_algorithm, list(HASHES), "hash_algorithm")
        ok(_one_of, self.esp_algorithm, list(ESP), "esp_algorithm")
        ok(_one_of, self.phase1_dh, list(DH_GROUPS), "phase1_dh")
        ok(_one_of, self.phase2_dh, list(DH_GROUPS), "phase2_dh")
        lo, hi = LIFETIME_BOUNDS
        lifetimes = True
        for f in ("phase1_lifetime", "phase2_lifetime"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                label = "phase one lifetime" if f == "phase1_lifetime" else "phase two lifetime"
                problems.append(InvalidInput(f"{label} must be {lo}-{hi} seconds, not {v!r}",
                                             field=f))
                lifetimes = False
        if lifetimes and self.phase2_lifetime > self.phase1_lifetime:
            problems.append(InvalidInput("phase two lifetime must not exceed phase one "
                                         "lifetime", field="phase2_lifetime"))
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise InvalidInputs(problems)
        if not isinstance(self.enabled, bool):
            raise TypeError("enabled must be a bool")

    @staticmethod
    def _check_psk(psk: str) -> None:
        if not _PSK.match(psk):
            raise InvalidInput("the pre-shared key may contain only letters, digits and "
                               "hyphens (no spaces or other characters)", field="preshared_key")
        if not 8 <= len(psk) <= 128:
            raise InvalidInput("the pre-shared key must be 8-128 characters",
                               field="preshared_key")

    @property
    def weak(self) -> list[str]:
        return weak_choices(encryption=self.encryption_algorithm, hash_=self.hash_algorithm,
                            esp=self.esp_algorithm, dh1=self.phase1_dh, dh2=self.phase2_dh)

    def with_changes(self, **changes: Any) -> IpsecPolicySpec:
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    @staticmethod
    def parse(raw: Mapping[str, Any]) -> dict[str, Any]:
        """Field values as a person gives them (CLI options, form fields, JSON) read the one
        way every front end shares: choices in any letter case (``--protocol tcp``),
        ports ``any`` (no port), numbers from text, ``enabled`` from ``true``/``false``.
        None and empty values are left out (ports given as ``any`` are kept, as None).
        Nothing is checked here: the spec checks at construction."""
        out: dict[str, Any] = {}
        problems: list[InvalidInput] = []
        for key, value in raw.items():
            try:
                IpsecPolicySpec._parse_one(out, key, value)
            except InvalidInput as exc:
                problems.append(exc)
        if len(problems) == 1:
            raise problems[0]
        if problems:  # every unreadable value at once
            raise InvalidInputs(problems)
        return out

    @staticmethod
    def _parse_one(out: dict[str, Any], key: str, value: Any) -> None:
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            return
        if key in _PORTS:
            out[key] = _number(value, key, any_ok=True)
        elif key in _NUMBERS:
            out[key] = _number(value, key, any_ok=False)
        elif key in _UPPER and isinstance(value, str):
            out[key] = value.upper()
        elif key in _LOWER and isinstance(value, str):
            out[key] = value.lower()
        elif key == "protocol" and isinstance(value, str):
            out[key] = _PROTOCOL_CASE.get(value.upper(), value)
        elif key == "enabled" and isinstance(value, str):
            if value.lower() not in ("true", "false", "on", "off", "yes", "no"):
                raise InvalidInput(f"enabled must be true or false, not {value!r}",
                                   field="enabled")
            out[key] = value.lower() in ("true", "on", "yes")
        else:
            out[key] = value

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IpsecPolicySpec:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}")
        missing = {"group_name", "name"} - set(data)
        if missing:
            raise InvalidInput(f"missing field(s): {', '.join(sorted(missing))}")
        return cls(**data)
