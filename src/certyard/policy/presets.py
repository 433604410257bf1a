"""Named cipher presets (seed 003 "TLS Ciphers" and "SRTP Ciphers" enterprise parameters,
seed 002 "Next Generation Security") on top of the free-form cipher strings.

A TLS preset is stored as the OpenSSL cipher string it stands for, through the same
validated :func:`certyard.policy.tls.set_cipher_string`, so effective lists, FIPS checks
and restart notices are those of any string. The SRTP preset is its own setting: the SRTP
crypto suites (RFC 4568, RFC 7714) media services may offer, distributed with the TLS policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from certyard.audit import record_event
from certyard.db.documents import merge_document
from certyard.errors import InvalidInput
from certyard.policy.settings import load_tls
from certyard.policy.tls import PolicyChange, set_cipher_string

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["SRTP_PRESETS", "TLS_PRESETS", "apply_tls_preset", "get_srtp_preset",
           "set_srtp_preset"]

_ECDSA_256 = "ECDHE-ECDSA-AES256-GCM-SHA384"
_RSA_256 = "ECDHE-RSA-AES256-GCM-SHA384"
_ECDSA_128 = "ECDHE-ECDSA-AES128-GCM-SHA256"
_RSA_128 = "ECDHE-RSA-AES128-GCM-SHA256"

# The "All Ciphers" presets: every suite the seed's priority lists name (AEAD first, then
# the CBC suites kept for older peers), never PSK, SRP, DSS, ARIA, CAMELLIA or CCM8.
_ALL_TAIL = ("ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
             "DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:"
             "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:"
             "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:"
             "AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA:DHE-RSA-AES128-SHA")

# name -> (label as in the seed, OpenSSL cipher string in priority order)
TLS_PRESETS: dict[str, tuple[str, str]] = {
    "all-rsa-preferred": ("All Ciphers RSA Preferred",
                          f"{_RSA_256}:{_RSA_128}:{_ECDSA_256}:{_ECDSA_128}:{_ALL_TAIL}"),
    "all-ecdsa-preferred": ("All Ciphers ECDSA Preferred",
                            f"{_ECDSA_256}:{_ECDSA_128}:{_RSA_256}:{_RSA_128}:{_ALL_TAIL}"),
    "strongest-rsa-preferred": ("Strongest - AES-256 SHA-384 Only: RSA Preferred",
                                f"{_RSA_256}:{_ECDSA_256}"),
    "strongest-ecdsa-preferred": ("Strongest - AES-256 SHA-384 Only: ECDSA Preferred",
                                  f"{_ECDSA_256}:{_RSA_256}"),
    "medium-rsa-preferred": ("Medium - AES-256 AES-128 Only: RSA Preferred",
                             f"{_RSA_256}:{_RSA_128}:{_ECDSA_256}:{_ECDSA_128}"),
    "medium-ecdsa-preferred": ("Medium - AES-256 AES-128 Only: ECDSA Preferred",
                               f"{_ECDSA_256}:{_ECDSA_128}:{_RSA_256}:{_RSA_128}"),
}

# name -> (label as in the seed, SRTP crypto suites in priority order)
SRTP_PRESETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "all": ("All Supported Ciphers",
            ("AEAD_AES_256_GCM", "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80",
             "AES_CM_128_HMAC_SHA1_32")),
    "strongest": ("Strongest - AEAD AES-256 GCM cipher only", ("AEAD_AES_256_GCM",)),
    "medium": ("Medium - AEAD AES-256 GCM, AEAD AES-128 GCM ciphers only",
               ("AEAD_AES_256_GCM", "AEAD_AES_128_GCM")),
}
SRTP_DEFAULT = "all"  # seed 003: the recommended default


def _pick(table: dict[str, Any], name: str, what: str, field: str) -> str:
    key = str(name).strip().lower()
    if key not in table:
        raise InvalidInput(f"{name!r} is not a {what} preset; choose one of "
                           f"{', '.join(table)}", field=field)
    return key


def apply_tls_preset(ctx: AppContext, interface: str, preset: str) -> PolicyChange:
    """Set an interface's cipher string (all, https, sip) to a named preset."""
    if str(interface).lower() not in ("all", "https", "sip"):
        raise InvalidInput("presets apply to the all, https and sip interfaces",
                           field="interface")
    key = _pick(TLS_PRESETS, preset, "TLS Ciphers", "preset")
    change = set_cipher_string(ctx, interface, TLS_PRESETS[key][1])
    return PolicyChange(setting=change.setting, value=change.value, restart=change.restart,
                        reloaded=change.reloaded,
                        details={**change.details, "preset": key,
                                 "label": TLS_PRESETS[key][0]},
                        warnings=change.warnings)


def get_srtp_preset(ctx: AppContext) -> dict[str, Any]:
    with ctx.read() as s:
        key = load_tls(s).get("srtp_ciphers") or SRTP_DEFAULT
    label, suites = SRTP_PRESETS[key]
    return {"preset": key, "label": label, "suites": list(suites)}


def set_srtp_preset(ctx: AppContext, preset: str) -> PolicyChange:
    key = _pick(SRTP_PRESETS, preset, "SRTP Ciphers", "srtp_ciphers")
    with ctx.transaction() as s:
        value = merge_document(s, "tls", {"srtp_ciphers": key}, now=ctx.clock.now())
        record_event(s, ctx, action="tls.srtp_ciphers.set", target="tls",
                     details={"preset": key})
    label, suites = SRTP_PRESETS[key]
    return PolicyChange(setting="tls", value=value,
                        restart=["media (SRTP) services on every node (via agents)"],
                        reloaded=[], details={"preset": key, "label": label,
                                              "suites": list(suites)})
