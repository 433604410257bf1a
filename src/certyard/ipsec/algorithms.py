"""The algorithm choices of an IPsec policy and their strongSwan names.

Seed 001 Table 4 lists DES/3DES, SHA1/MD5, NULL_ENC/DES/3DES/BLOWFISH/RIJNDAEL and DH groups
1, 2 and 5; we add AES-CBC/AES-GCM, SHA-2 and DH 14/19/20. Those marked weak (and BLOWFISH,
which is not FIPS-approved) can be chosen only outside FIPS mode.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DH_GROUPS", "ENCRYPTION", "ESP", "HASHES", "choices", "weak_choices"]

# name -> (strongSwan keyword, weak, aead)
ENCRYPTION: dict[str, tuple[str, bool, bool]] = {
    "AES-128-CBC": ("aes128", False, False),
    "AES-256-CBC": ("aes256", False, False),
    "AES-128-GCM": ("aes128gcm16", False, True),
    "AES-256-GCM": ("aes256gcm16", False, True),
    "3DES": ("3des", True, False),
    "DES": ("des", True, False),
}
ESP: dict[str, tuple[str, bool, bool]] = {
    **ENCRYPTION,
    "RIJNDAEL": ("aes128", False, False),  # the seed's name for AES(-128-CBC)
    "BLOWFISH": ("blowfish128", True, False),
    "NULL_ENC": ("null", True, False),
}
# name -> (integrity keyword, PRF keyword, weak)
HASHES: dict[str, tuple[str, str, bool]] = {
    "SHA256": ("sha256", "prfsha256", False),
    "SHA384": ("sha384", "prfsha384", False),
    "SHA512": ("sha512", "prfsha512", False),
    "SHA1": ("sha1", "prfsha1", False),
    "MD5": ("md5", "prfmd5", True),
}
# group -> (keyword, weak)
DH_GROUPS: dict[int, tuple[str, bool]] = {
    14: ("modp2048", False),
    19: ("ecp256", False),
    20: ("ecp384", False),
    5: ("modp1536", True),
    2: ("modp1024", True),
    1: ("modp768", True),
}


def choices() -> dict[str, Any]:
    """Every choice with its weak flag, for forms and `certyard ipsec algorithms`."""
    return {
        "encryption_algorithm": [{"name": k, "weak": v[1]} for k, v in ENCRYPTION.items()],
        "hash_algorithm": [{"name": k, "weak": v[2]} for k, v in HASHES.items()],
        "esp_algorithm": [{"name": k, "weak": v[1]} for k, v in ESP.items()],
        "dh_group": [{"name": k, "weak": v[1]} for k, v in DH_GROUPS.items()],
    }


def weak_choices(*, encryption: str, hash_: str, esp: str, dh1: int, dh2: int) -> list[str]:
    out = []
    if ENCRYPTION[encryption][1]:
        out.append(f"encryption {encryption}")
    if HASHES[hash_][2]:
        out.append(f"hash {hash_}")
    if ESP[esp][1]:
        out.append(f"ESP {esp}")
    if DH_GROUPS[dh1][1]:
        out.append(f"phase one DH {dh1}")
    if DH_GROUPS[dh2][1]:
        out.append(f"phase two DH {dh2}")
    return out
