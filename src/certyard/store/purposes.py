"""Purposes are data: key type, allowed key lengths and hashes, distribution, services.

The defaults come from the seed (Table 1, "Generating a CSR"); more are added with
``certyard purpose add`` or a JSON file named by CERTYARD_PURPOSES_FILE, with no code change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certyard.db.models import Purpose
from certyard.errors import Duplicate, InvalidInput, NotFound, WeakAlgorithm

__all__ = [
    "DEFAULT_PURPOSES",
    "PurposeSpec",
    "check_key_choice",
    "get_purpose",
    "load_purpose_file",
    "purpose_from_trust_store",
    "save_purpose",
]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,40}$")
_RSA_LENGTHS = {1024, 2048, 3072, 4096}
_EC_LENGTHS = {256, 384, 521}
_HASHES = {"SHA256", "SHA384", "SHA512"}
# The seed offers SHA1 for tomcat and ipsec; the cryptography library no longer signs with
# it, so it is neither offered nor accepted (stored purposes that list it are read without).
SHA1_GONE = ("SHA1 is not offered: the cryptography library certyard signs with no longer "
             "produces SHA-1 signatures, which are broken (RFC 9155); use SHA256")


DEFAULT_KEY_LENGTHS = (2048, 3072, 4096)
DEFAULT_HASHES = ("SHA256", "SHA384", "SHA512")


def _text_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(x).strip() for x in items if str(x).strip()]


def _int_list(value: Any, field: str) -> list[int]:
    items = _text_list(value) if not isinstance(value, int) else [str(value)]
    try:
        return [int(x) for x in items]
    except ValueError:
        raise InvalidInput(f"{field.replace('_', ' ')} must be whole numbers separated by "
                           f"commas, not {', '.join(items)[:60]!r}", field=field) from None


@dataclass(frozen=True, kw_only=True)
class PurposeSpec:
    name: str
    key_type: str
    key_lengths: tuple[int, ...]
    default_key_length: int
    hashes: tuple[str, ...]
    default_hash: str
    multi_server: bool = False
    services: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or self.name.endswith("-trust"):
            raise InvalidInput(
                f"purpose name {self.name!r}: letters, digits, '-' and '_' only, starting with "
                "a letter, not ending in -trust", field="name")
        if self.key_type not in ("RSA", "EC"):
            raise InvalidInput(f"key type must be RSA or EC, not {self.key_type!r}",
                               field="key_type")
        allowed = _RSA_LENGTHS if self.key_type == "RSA" else _EC_LENGTHS
        bad = [n for n in self.key_lengths if n not in allowed]
        if not self.key_lengths or bad:
            raise InvalidInput(
                f"{self.key_type} key lengths must be among {sorted(allowed)}", field="key_lengths")
        if self.default_key_length not in self.key_lengths:
            raise InvalidInput(
                f"the default key length must be one of the allowed lengths "
                f"({', '.join(map(str, self.key_lengths))}), not {self.default_key_length}",
                field="default_key_length")
        if "SHA1" in self.hashes or self.default_hash == "SHA1":
            raise InvalidInput(SHA1_GONE, field="hashes")
        if not self.hashes or any(h not in _HASHES for h in self.hashes):
            raise InvalidInput(f"hashes must be among {sorted(_HASHES)}", field="hashes")
        if self.default_hash not in self.hashes:
            raise InvalidInput("the default hash must be one of the allowed hashes",
                               field="default_hash")

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> PurposeSpec:
        """A purpose from what a person gives (CLI options, JSON, a form): the one reading,
        with the one set of defaults, every front end shares. Lists may be given as lists
        or comma-separated text; key type and hashes in any letter case. Left out:
        key type RSA, lengths 2048/3072/4096, hashes SHA256/SHA384/SHA512, and the first
        length and hash as the defaults."""
        key_type = str(raw.get("key_type") or "RSA").strip().upper()
        lengths = tuple(_int_list(raw.get("key_lengths"), "key_lengths")) or DEFAULT_KEY_LENGTHS
        hashes = tuple(h.upper() for h in _text_list(raw.get("hashes"))) or DEFAULT_HASHES
        dkl = raw.get("default_key_length")
        dh = raw.get("default_hash")
        return cls(
            name=str(raw.get("name") or "").strip(), key_type=key_type, key_lengths=lengths,
            default_key_length=_int_list(dkl, "default_key_length")[0] if dkl else lengths[0],
            hashes=hashes, default_hash=str(dh).strip().upper() if dh else hashes[0],
            multi_server=bool(raw.get("multi_server", False)),
            services=tuple(_text_list(raw.get("services"))),
            description=str(raw.get("description") or ""))

    @property
    def trust_store(self) -> str:
        return f"{self.name}-trust"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["key_lengths"] = list(self.key_lengths)
        d["hashes"] = list(self.hashes)
        d["services"] = list(self.services)
        d["trust_store"] = self.trust_store
        return d

    @classmethod
    def from_row(cls, row: Purpose) -> PurposeSpec:
        hashes = tuple(h for h in row.hashes if h != "SHA1") or ("SHA256",)
        default_hash = row.default_hash if row.default_hash in hashes else hashes[0]
        return cls(
            name=row.name, key_type=row.key_type, key_lengths=tuple(row.key_lengths),
            default_key_length=row.default_key_length, hashes=hashes,
            default_hash=default_hash, multi_server=row.multi_server,
            services=tuple(row.services), description=row.description,
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PurposeSpec:
        try:
            return cls(
                name=str(d["name"]), key_type=str(d["key_type"]).upper(),
                key_lengths=tuple(int(x) for x in d["key_lengths"]),
                default_key_length=int(d["default_key_length"]),
                hashes=tuple(str(h).upper() for h in d["hashes"]),
                default_hash=str(d["default_hash"]).upper(),
                multi_server=bool(d.get("multi_server", False)),
                services=tuple(str(s) for s in d.get("services", ())),
                description=str(d.get("description", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"purpose definition is incomplete or malformed: {exc}") from None


_TOMCAT_SERVICES = ("web server", "IMAP server", "directory sync", "SMTP server",
                    "conversation manager")

DEFAULT_PURPOSES: tuple[PurposeSpec, ...] = (
    PurposeSpec(
        name="tomcat", key_type="RSA", key_lengths=(1024, 2048, 3072, 4096),
        default_key_length=2048, hashes=("SHA256",), default_hash="SHA256",
        multi_server=True, services=_TOMCAT_SERVICES,
        description="Web server identity (RSA); generated at install as a self-signed root",
    ),
    PurposeSpec(
        name="tomcat-ECDSA", key_type="EC", key_lengths=(256, 384, 521),
        default_key_length=384, hashes=("SHA384", "SHA512"), default_hash="SHA384",
        multi_server=True, services=_TOMCAT_SERVICES,
        description="Web server identity (EC); generated at install as a self-signed root",
    ),
    PurposeSpec(
        name="ipsec", key_type="RSA", key_lengths=(1024, 2048, 3072, 4096),
        default_key_length=2048, hashes=("SHA256",), default_hash="SHA256",
        multi_server=False, services=("IPsec",),
        description="IPsec identity for connections with gateways",
    ),
)


def save_purpose(session: Session, spec: PurposeSpec, *, replace: bool = False) -> None:
    row = session.get(Purpose, spec.name)
    if row is not None and not replace:
        raise Duplicate(f"purpose {spec.name} already exists")
    if row is None:
        row = Purpose(name=spec.name)
        session.add(row)
    row.key_type = spec.key_type
    row.key_lengths = list(spec.key_lengths)
    row.default_key_length = spec.default_key_length
    row.hashes = list(spec.hashes)
    row.default_hash = spec.default_hash
    row.multi_server = spec.multi_server
    row.services = list(spec.services)
    row.description = spec.description
    session.flush()


def get_purpose(session: Session, name: str) -> PurposeSpec:
    row = session.get(Purpose, name)
    if row is None:
        known = ", ".join(session.scalars(select(Purpose.name).order_by(Purpose.name)))
        raise InvalidInput(f"unknown purpose {name!r} (known: {known or 'none'})",
                           field="purpose")
    return PurposeSpec.from_row(row)


def purpose_from_trust_store(session: Session, store: str) -> PurposeSpec:
    if not store.endswith("-trust"):
        raise InvalidInput(f"{store!r} is not a trust store name; trust stores are "
                           "named PURPOSE-trust, e.g. tomcat-trust", field="trust_store")
    return get_purpose(session, store.removesuffix("-trust"))


def load_purpose_file(path: Path) -> list[PurposeSpec]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise NotFound("purposes file", path) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"purposes file {path} is not valid JSON: {exc.msg} "
                           f"(line {exc.lineno})") from None
    if not isinstance(data, list):
        raise InvalidInput(f"purposes file {path} must hold a JSON list of purposes")
    return [PurposeSpec.from_dict(d) for d in data]


def check_key_choice(
    spec: PurposeSpec, *, key_length: int | None, hash_name: str | None,
    fips: bool = False,
) -> tuple[int, str, list[str]]:
    """The key length and hash to use, and warnings for weak choices the seed allows."""
    length = key_length if key_length is not None else spec.default_key_length
    hname = (hash_name or spec.default_hash).upper()
    if length not in spec.key_lengths:
        raise InvalidInput(
            f"key length {length} is not allowed for {spec.name}; choose one of "
            f"{', '.join(map(str, spec.key_lengths))}", field="key_length")
    if hname == "SHA1":
        if fips:
            raise WeakAlgorithm("SHA1 is not allowed in FIPS mode; use SHA256 or stronger",
                                field="hash")
        raise WeakAlgorithm(SHA1_GONE, field="hash")
    if hname not in spec.hashes:
        raise InvalidInput(
            f"hash {hname} is not allowed for {spec.name}; choose one of "
            f"{', '.join(spec.hashes)}", field="hash")
    warnings: list[str] = []
    if spec.key_type == "RSA" and length < 2048:
        if fips:
            raise WeakAlgorithm("RSA keys shorter than 2048 bits are not allowed in FIPS mode",
                                field="key_length")
        warnings.append(f"RSA-{length} is weak; use 2048 bits or more")
    return length, hname, warnings
